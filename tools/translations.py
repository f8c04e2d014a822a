"""The Korean edition's message catalogs: make them from the English text, and check them.

    python tools/translations.py update          # extract the English text into locale/ko
    python tools/translations.py check [PO ...]  # untranslated, fuzzy or lost in translation
    python tools/translations.py stats           # messages per page, translated and fuzzy

`update` builds the book with Sphinx's gettext builder (one catalog per page: paragraphs, headings,
captions, exercises; _ext/editions.py adds alt texts and glued phrases) and merges it into
locale/ko/LC_MESSAGES with sphinx-intl. A message whose English changed comes back fuzzy or
untranslated, and `check` (and tests/test_translations.py) fail until it is translated again.

`check` reports, for each message: an empty or fuzzy translation; a translation that does not keep
its source's glue references, math, code spans, citations and cross-references, link and {doc}
targets, HTML tags (their labels aside), {placeholders} of the draw page's messages, {term}
targets, or numbers (it may add a number: "two" can be written 2); and a {term} whose Korean name
(from glossary.md) is missing.
"""

import argparse
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: `tools` is a package of the repository root
from tools import build_book  # noqa: E402

LANGUAGE = "ko"
CATALOGS = ROOT / "locale" / LANGUAGE / "LC_MESSAGES"
POT = ROOT / "_build" / "gettext"

ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.S)
CODE = re.compile(r"``[^`]+``|`[^`]+`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
URL = re.compile(r"https?://[^\s)>\]\"]+")
# an HTML tag (the draw page's panel): kept whole, except the words of its labels
TAG = re.compile(r"<[A-Za-z/!][^>]*>")
WORDS_IN_TAG = re.compile(r'\s(aria-label|title|alt|placeholder)="[^"]*"')
# a placeholder of the draw page's messages: "map {f}"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
# a number in the text (Korean writes particles and counters right after it: "10장의", "0부터")
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])[-−]?\d+(?:[.,]\d+)*(?:e[-+]?\d+)?(?![A-Za-z0-9_])")
HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Roles whose whole content must stay: references, citations, glue. {doc} and {term} keep their
# target (the part in angle brackets, or all of it) and translate their title.
KEPT_ROLES = {"glue:text", "glue", "footcite", "cite", "numref", "ref", "eq", "math", "download"}
TITLED_ROLES = {"doc", "term"}


def role_target(content):
    """The target of a role with an optional title: `title <target>` -> target."""
    match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content, re.S)
    return (match.group(2) if match else content).strip()


def markup(text):
    """Everything a translation must keep from its source, as a Counter of tokens."""
    tokens = Counter()
    rest = text
    for name, content in ROLE.findall(rest):
        if name in TITLED_ROLES:
            tokens[f"{{{name}}} -> {role_target(content)}"] += 1
        else:
            tokens[f"{{{name}}}`{content}`"] += 1
    rest = ROLE.sub(" ", rest)
    tokens.update(f"math {found}" for found in MATH.findall(rest))
    rest = MATH.sub(" ", rest)
    tokens.update(f"tag {WORDS_IN_TAG.sub('', tag)}" for tag in TAG.findall(rest))
    rest = TAG.sub(" ", rest)
    for pattern, kind in ((CODE, "code"), (PLACEHOLDER, "placeholder")):
        tokens.update(f"{kind} {found}" for found in pattern.findall(rest))
        rest = pattern.sub(" ", rest)
    tokens.update(f"link -> {target}" for target in LINK.findall(rest))
    rest = LINK.sub("] ", rest)
    tokens.update(f"url {url}" for url in URL.findall(rest))
    rest = URL.sub(" ", rest)
    tokens.update(f"number {number.replace('−', '-')}" for number in NUMBER.findall(rest))
    return tokens


def glossary_terms(path=ROOT / "glossary.md"):
    """{English term (lower case): [Korean forms]} from the glossary's definitions."""
    text = path.read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S).group(1)
    terms, term = {}, None
    for line in block.splitlines():
        if line and not line.startswith(" "):
            term = line.strip()
        elif term and line.strip():
            before_link = line.split(" [Chapter")[0].split(" [chapter")[0]
            sentences = [s for s in re.split(r"\.\s+", before_link) if HANGUL.search(s)]
            if sentences:
                korean = sentences[-1].strip().rstrip(".")
                forms = [re.sub(r"\s*\(.*\)\s*$", "", korean).strip()]
                forms += [f.strip() for f in re.findall(r"\(([^)]*)\)", korean)]
                terms[term.lower()] = [f for f in forms if HANGUL.search(f)]
    return terms


def problems(message, terms):
    """What is wrong with one translated message (a list of sentences, empty when it is fine)."""
    found = []
    if not message.string:
        return ["untranslated"]
    if message.fuzzy:
        found.append("fuzzy")
    source, translation = markup(message.id), markup(message.string)
    lost, added = source - translation, translation - source
    if lost:
        found.append(f"lost: {', '.join(sorted(lost.elements()))}")
    # a number may be added ("two" written 2, "Chapter 4" written 4장), never markup
    added = [token for token in sorted(added.elements()) if not token.startswith("number ")]
    if added:
        found.append(f"added: {', '.join(added)}")
    for name, content in ROLE.findall(message.id):
        if name != "term":
            continue
        target = role_target(content).lower()
        forms = terms.get(target)
        if forms is None:
            found.append(f"{{term}} {target!r} is not in the glossary")
        elif not any(form in message.string for form in forms):
            found.append(f"{{term}} {target!r}: its Korean name {forms[0]!r} is not used")
    return found


def catalogs(paths=None):
    """The .po files to look at: those given, or every catalog of the Korean edition."""
    return [Path(p) for p in paths] if paths else sorted(CATALOGS.rglob("*.po"))


def read(path):
    with open(path, "rb") as file:
        return read_po(file)


def messages(path):
    """The messages of one catalog, without its header and obsolete entries."""
    return [message for message in read(path) if message.id]


def check(paths=None):
    """{catalog: [(msgid, [problems])]} for every message with a problem."""
    terms = glossary_terms()
    report = {}
    for path in catalogs(paths):
        wrong = [(m.id, p) for m in messages(path) if (p := problems(m, terms))]
        if wrong:
            report[path] = wrong
    return report


def stats(paths=None):
    """[(page, messages, translated, fuzzy)] for each catalog."""
    rows = []
    for path in catalogs(paths):
        found = messages(path)
        translated = sum(1 for m in found if m.string and not m.fuzzy)
        fuzzy = sum(1 for m in found if m.fuzzy)
        rows.append(
            (path.relative_to(CATALOGS).with_suffix("").as_posix(), len(found), translated, fuzzy)
        )
    return rows


def update():
    """Extract the English messages into _build/gettext and merge them into locale/ko."""
    build_book.build("en", "gettext", POT)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx_intl",
            "update",
            "-p",
            str(POT),
            "-l",
            LANGUAGE,
            "-d",
            str(ROOT / "locale"),
        ],
        check=True,
    )
    for path in catalogs():
        tidy(path, POT / path.relative_to(CATALOGS).with_suffix(".pot"))


def tidy(path, template=None):
    """Give a catalog the book's header and current places; drop obsolete entries."""
    catalog = read(path)
    catalog.project = build_book.title("en")
    catalog.version = ""
    catalog.fuzzy = False
    catalog.header_comment = (
        f"# Korean translation of the page {path.relative_to(CATALOGS).with_suffix('')} of "
        f"{build_book.title('en')}.\n"
        "# Same license as the book's text (LICENSE-CONTENT.md). Made with tools/translations.py."
    )
    catalog.last_translator = "The authors of Convolutional Neural Networks, Tested"
    catalog.language_team = "Korean"
    catalog.obsolete.clear()  # a message the English no longer has: git keeps its history
    if template and template.is_file():  # where each message is now (sphinx-intl keeps old places)
        places = {m.id: m.locations for m in read(template) if m.id}
        for message in catalog:
            if message.id in places:
                message.locations = places[message.id]
    text = io.BytesIO()  # written whole or not at all
    write_po(text, catalog, width=76)
    path.write_bytes(text.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("update")
    for name in ("check", "stats"):
        commands.add_parser(name).add_argument("catalogs", nargs="*")
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
        return 0
    if args.command == "stats":
        for page, total, translated, fuzzy in stats(args.catalogs):
            print(
                f"{page:40} {total:4} messages {translated / total:7.1%} translated "
                f"{fuzzy:3} fuzzy"
            )
        return 0
    report = check(args.catalogs)
    for path, wrong in report.items():
        print(f"{path.relative_to(ROOT) if path.is_absolute() else path}:")
        for msgid, found in wrong:
            print(f"  {msgid[:90]!r}\n    " + "\n    ".join(found))
    count = sum(len(wrong) for wrong in report.values())
    print(f"{count} messages with problems" if count else "every message translated and intact")
    return 1 if count else 0


if __name__ == "__main__":
    sys.exit(main())
