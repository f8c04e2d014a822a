"""The Korean edition says what the English one says: each message translated, none fuzzy or stale.

The catalogs in locale/ko are checked against the English text as it is now (extracted again with
Sphinx's gettext builder), so a sentence changed in a notebook makes these tests fail until its
translation is updated (`python tools/translations.py update`, then translate what it reports).
A translation must keep its source's glue references, math, code spans, citations, references,
link and {doc}/{term} targets and numbers, and use the glossary's Korean name for each {term}.
"""

import re

import pytest
from babel.messages.catalog import Message

from tools import build_book, translations
from tools.notebooks import ROOT, toc_files

TERMS = translations.glossary_terms()


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """{page: set of msgids} of the book as it is now, from Sphinx's gettext builder."""
    out = build_book.build(
        "en", "gettext", tmp_path_factory.mktemp("gettext") / "gettext", quiet=True
    )
    return {
        pot.relative_to(out).with_suffix("").as_posix(): {m.id for m in translations.messages(pot)}
        for pot in out.rglob("*.pot")
    }


def test_every_page_has_a_korean_catalog(english):
    pages = {f for f in toc_files()} | {"sphinx"}  # sphinx: the templates' interface strings
    assert set(english) <= pages
    missing = [p for p in english if not (translations.CATALOGS / f"{p}.po").is_file()]
    assert not missing, f"pages without a Korean catalog (tools/translations.py update): {missing}"


def test_every_english_message_is_in_its_korean_catalog_and_no_other(english):
    stale = {}
    for page, ids in english.items():
        korean = {m.id for m in translations.messages(translations.CATALOGS / f"{page}.po")}
        if ids != korean:
            stale[page] = {
                "new in English": sorted(ids - korean)[:5],
                "gone": sorted(korean - ids)[:5],
            }
    assert not stale, f"catalogs out of date (tools/translations.py update): {stale}"


def test_every_message_is_translated_and_none_is_fuzzy():
    rows = translations.stats()
    assert rows, "no Korean catalogs"
    behind = [(page, total - done, fuzzy) for page, total, done, fuzzy in rows if done < total]
    assert not behind, f"(page, untranslated or fuzzy, of which fuzzy): {behind}"


def test_every_translation_keeps_its_markup_numbers_and_glossary_terms():
    report = translations.check()
    assert not report, "\n".join(
        f"{path.name}: {msgid[:70]!r}: {'; '.join(found)}"
        for path, wrong in report.items()
        for msgid, found in wrong
    )


def test_every_glossary_term_has_a_korean_name():
    glossary = (ROOT / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", glossary, re.S).group(1)
    names = [line.strip().lower() for line in block.splitlines() if line and line[0] != " "]
    assert names and sorted(TERMS) == sorted(names)
    assert all(TERMS[name] for name in names)


def test_the_book_glues_text_only():
    """_ext/editions.py lets a translated paragraph glue with {glue:text}; other glue forms would
    break in the Korean edition."""
    sources = [p for p in ROOT.glob("chapters/*.ipynb")] + list(ROOT.glob("*.md"))
    other = re.compile(r"\{glue(?::(?!text\})[\w]*)?\}|```\{glue")
    used = [p.name for p in sources if other.search(p.read_text(encoding="utf-8"))]
    assert not used, f"glue other than {{glue:text}} in {used}"


def message(english, korean, fuzzy=False):
    return Message(english, korean, flags={"fuzzy"} if fuzzy else ())


GOOD = (
    "After {glue:text}`gd_steps` steps, {doc}`Chapter 3 <03_dense_layers>` and the {term}`kernel` "
    "of $3 \\times 3$ in `ops.corr2d` [the table](02_pooling.ipynb#t) "
    "{footcite}`lecun1998gradient` on 28 × 28 digits"
)


def test_the_check_accepts_a_faithful_translation():
    korean = (
        "{glue:text}`gd_steps`번 단계 뒤, {doc}`3장 <03_dense_layers>`와 `ops.corr2d`의 "
        "$3 \\times 3$ {term}`커널 <kernel>` [표](02_pooling.ipynb#t) "
        "{footcite}`lecun1998gradient` 28 × 28 숫자"
    )
    assert translations.problems(message(GOOD, korean), TERMS) == []


@pytest.mark.parametrize(
    "change, expected",
    [
        (("{glue:text}`gd_steps`", "gd_steps"), "lost: {glue:text}`gd_steps`"),
        (
            ("{glue:text}`gd_steps`", "{glue:text}`gd_steps:.2f`"),
            "added: {glue:text}`gd_steps:.2f`",
        ),
        (("<03_dense_layers>", "<04_mnist_cnn>"), "lost: {doc} -> 03_dense_layers"),
        (("$3 \\times 3$", "3 × 3"), "lost: math $3 \\times 3$"),
        (("`ops.corr2d`", "ops.corr2d"), "lost: code `ops.corr2d`"),
        (("(02_pooling.ipynb#t)", "(02_pooling.ipynb)"), "lost: link -> 02_pooling.ipynb#t"),
        (("{footcite}`lecun1998gradient`", ""), "lost: {footcite}`lecun1998gradient`"),
        (("{term}`커널 <kernel>`", "{term}`kernel`"), "Korean name '커널' is not used"),
        (("{term}`커널 <kernel>`", "{term}`커널 <bias>`"), "lost: {term} -> kernel"),
        (("28 × 28", "28 × 82"), "lost: number 28"),
    ],
)
def test_the_check_finds_what_a_translation_lost(change, expected):
    korean = (
        "{glue:text}`gd_steps`번 단계 뒤, {doc}`3장 <03_dense_layers>`와 `ops.corr2d`의 "
        "$3 \\times 3$ {term}`커널 <kernel>` [표](02_pooling.ipynb#t) "
        "{footcite}`lecun1998gradient` 28 × 28 숫자"
    )
    old, new = change
    assert old in korean
    found = translations.problems(message(GOOD, korean.replace(old, new)), TERMS)
    assert any(expected in problem for problem in found), found


def test_the_check_keeps_html_tags_and_placeholders_but_lets_labels_be_translated():
    english = '<button class="draw-clear" aria-label="Clear the drawing">Clear</button> map {f}'
    korean = '<button class="draw-clear" aria-label="그림 지우기">지우기</button> {f}번 맵'
    assert translations.problems(message(english, korean), TERMS) == []
    for wrong, lost in [
        (korean.replace('class="draw-clear"', 'class="clear"'), 'lost: tag <button class="draw'),
        (korean.replace("</button>", ""), "lost: tag </button>"),
        (korean.replace("{f}", "{F}"), "lost: placeholder {f}"),
    ]:
        found = translations.problems(message(english, wrong), TERMS)
        assert any(problem.startswith(lost) for problem in found), found


def test_the_check_finds_untranslated_and_fuzzy_messages():
    assert translations.problems(message(GOOD, ""), TERMS) == ["untranslated"]
    korean = "{glue:text}`gd_steps` {doc}`3장 <03_dense_layers>` $3 \\times 3$ `ops.corr2d` "
    korean += (
        "{term}`커널 <kernel>` [표](02_pooling.ipynb#t) {footcite}`lecun1998gradient` 28 × 28"
    )
    assert translations.problems(message(GOOD, korean, fuzzy=True), TERMS) == ["fuzzy"]
