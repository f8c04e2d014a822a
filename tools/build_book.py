"""Build one edition of the book: English, or Korean from the message catalogs in locale/ko.

    python tools/build_book.py                  # English: _build/html (as `jupyter-book build .`)
    python tools/build_book.py --language ko    # Korean: _build/html/ko, in the English folder
    python tools/build_book.py --language ko --builder singlehtml --output /tmp/ko

Jupyter Book 1 cannot pass Sphinx's `language` on its command line, so this calls the function its
`build` command calls (`jupyter_book.sphinx.build_sphinx`) with the same configuration plus the
language. Warnings are errors, broken references too (`-W -n --keep-going`), as in .ci/run. Both
editions are made from the same executed notebooks: the Korean one translates their markdown,
captions and alt texts (tools/translations.py), never their code, outputs or glued numbers.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "ko")


def title(language):
    """The book's title in an edition: _config.yml's, or its translation in the intro's catalog."""
    import yaml
    from babel.messages.pofile import read_po

    english = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["title"]
    catalog = ROOT / "locale" / language / "LC_MESSAGES" / "intro.po"
    if language == "en" or not catalog.is_file():
        return english
    with open(catalog, "rb") as file:
        message = read_po(file).get(english)
    return message.string if message and message.string else english


BUILDERS = ("html", "singlehtml", "gettext")


def output_folder(language, builder="html"):
    """Where an edition goes by default: English in _build/<builder>, Korean in its ko/ folder."""
    folder = ROOT / "_build" / builder
    return folder / "ko" if language == "ko" and builder != "gettext" else folder


def build(language="en", builder="html", output=None, quiet=False):
    """Build one edition with warnings as errors; return its output folder (raises on failure)."""
    from jupyter_book.sphinx import build_sphinx

    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    if builder not in BUILDERS:
        raise ValueError(f"builder must be one of {BUILDERS}, got {builder!r}")
    output = Path(output) if output else output_folder(language, builder)
    overrides = {
        "external_toc_path": (ROOT / "_toc.yml").as_posix(),
        "latex_individualpages": False,
        "nitpicky": True,
        "language": language,
    }
    if language != "en":
        overrides["html_title"] = title(language)
    # Each edition keeps its own doctrees: Sphinx caches translated doctrees per build folder.
    doctrees = ROOT / "_build" / f".doctrees-{language}-{builder}"
    if output != output_folder(language, builder):
        doctrees = output.parent / f".doctrees-{language}-{builder}"
    result = build_sphinx(
        ROOT,
        output,
        noconfig=True,
        path_config=ROOT / "_config.yml",
        confoverrides=overrides,
        doctreedir=doctrees,
        builder=builder,
        warningiserror=True,
        keep_going=True,
        quiet=quiet,
    )
    if result != 0:
        raise RuntimeError(f"the {language} edition does not build ({builder}): see the log above")
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=LANGUAGES, default="en")
    parser.add_argument("--builder", choices=BUILDERS, default="html")
    parser.add_argument("--output", help="output folder (default: see above)")
    args = parser.parse_args(argv)
    try:
        output = build(args.language, args.builder, args.output)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{args.language} edition ({args.builder}): {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
