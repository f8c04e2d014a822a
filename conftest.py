"""Runs before pytest starts any notebook kernel (nbval or papermill): set what kernels inherit."""
from tests.notebooks import prepare_kernel_environment

prepare_kernel_environment()
