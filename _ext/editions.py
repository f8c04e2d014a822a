"""The book's two editions, English and Korean, from one source: Sphinx's message catalogs.

Sphinx translates each page's paragraphs, headings and captions from locale/<language>/LC_MESSAGES
(tools/translations.py makes and checks the catalogs). Three things it does not reach in a
notebook are handled here, and the editions link to each other (0 keeps headings' anchors):

0. A translated page keeps the anchors of its English headings (`KeepHeadingAnchors`), and the
   parts of the table of contents get their translated captions (`TranslateToctreeCaptions`).

1. Glue in a translated paragraph. MyST-NB finds a `{glue:text}` key only while it parses the
   notebook; Sphinx parses a translated paragraph on its own, where the key is unknown. There the
   role becomes a reference to the same notebook's glued value (as `notebook.ipynb::key` would),
   which MyST-NB's own post-transform fills in: the number is the notebook's, never typed.
2. Alt texts of output images, glued values that are words ("within its bar"), the HTML of a
   markdown page (the draw page's panel), the tables of _ext/comparison_tables.py, and the draw
   page's messages (_static/draw/messages.json, which draw.mjs reads from the page). Sphinx does
   not translate these. The gettext builder adds them to the page's catalog; the other builders
   translate them from it.
3. A link to the same page in the other edition, in every page's header (`edition-switch.html`),
   and `<link rel="alternate" hreflang>` for search engines. The Korean edition is published in the
   folder `ko/` of the English one.
"""

import html
import json
import re
from os import path
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from myst_nb.core.render import base_render_priority
from myst_nb.ext.glue import roles as glue_roles
from sphinx.builders.gettext import MsgOrigin
from sphinx.locale import init as init_locale
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.i18n import docname_to_domain

# Each edition: its language code, the folder it is published in (relative to the English
# edition's root), and the name of its language in that language.
EDITIONS = {"en": ("", "English"), "ko": ("ko/", "한국어")}
# A glued value is a phrase to translate when it has a word of two letters or more that is not
# part of a number or a hexadecimal digest (a number, 2.5e-06 or a SHA-256 stays as it is).
WORD = re.compile(r"(?<![0-9A-Za-z.])[A-Za-z]{2,}(?![0-9A-Za-z])")


def is_phrase(text):
    """True when a glued value holds words to translate, not just a number or a digest."""
    return bool(WORD.search(text)) and not re.fullmatch(r"[0-9a-f]{16,}", text)


def _glue_from_own_notebook(run):
    """Wrap a glue role: in a translated paragraph, read the key from the page's own notebook."""

    def wrapped(self):
        document = self.document
        translated = "<translated>" in str(document.get("source", ""))
        if translated and "nb_renderer" not in document and "::" not in self.text:
            env = document.settings.env
            notebook = Path(env.doc2path(env.docname)).name
            key, _, spec = self.text.partition(":")
            self.text = f"{notebook}::{key}:{spec or 's'}"
        return run(self)

    return wrapped


DRAW_PAGE = "draw_a_digit"
DRAW_MESSAGES = Path(__file__).resolve().parent.parent / "_static" / "draw" / "messages.json"
TAG = re.compile(r"<[^>]*>")


def translatable_nodes(document, markdown_page):
    """(node, attribute or None, text) for each text of a page that Sphinx does not translate.

    Alt texts, glued phrases, generated tables' cells, and raw HTML with words in a markdown page
    (a notebook's raw HTML is an output: never translated)."""
    found = []
    for image in document.findall(nodes.image):
        if image.get("alt"):
            found.append((image, "alt", image["alt"]))
    for inline in document.findall(nodes.inline):
        if "pasted-text" in inline.get("classes", []) and is_phrase(inline.astext()):
            found.append((inline, None, inline.astext()))
    for table in document.findall(nodes.table):
        if "comparison-table" in table.get("classes", []):
            found += [(p, None, p.astext()) for p in table.findall(nodes.paragraph)]
    if markdown_page:
        for raw in document.findall(nodes.raw):
            words = html.unescape(TAG.sub(" ", raw.astext()))
            if raw.get("format") == "html" and is_phrase(words):
                found.append((raw, None, raw.astext()))
    found = [(node, attribute, text) for node, attribute, text in found if is_phrase(text)]
    return found


def page_catalog(env, config, docname):
    """The translations of one page (Sphinx's own catalog object), or None in English."""
    if not config.language or config.language == "en":
        return None
    dirs = [path.join(env.srcdir, folder) for folder in config.locale_dirs]
    catalog, has_catalog = init_locale(
        dirs, config.language, docname_to_domain(docname, config.gettext_compact)
    )
    return catalog if has_catalog else None


class KeepHeadingAnchors(SphinxTransform):
    """Keep a page's heading anchors (#training) those of its English headings.

    MyST-Parser records the anchors of every document it parses; Sphinx parses each translated
    title as a small document of its own, whose one anchor ("학습") then replaced the page's
    list, and links such as glossary.md's `chapters/04_mnist_cnn.ipynb#training` broke."""

    default_priority = 21  # right after Sphinx's translation (sphinx.transforms.i18n.Locale, 20)

    def apply(self, **kwargs):
        slugs = getattr(self.document, "myst_slugs", None)
        if slugs:
            self.env.metadata[self.env.docname]["myst_slugs"] = slugs


class TranslateToctreeCaptions(SphinxTransform):
    """Translate the parts' captions ("Building blocks") of the tables of contents.

    sphinx-external-toc inserts the toctrees from _toc.yml after Sphinx has translated the page, so
    their captions (extracted into the root page's catalog) would stay English in the sidebar."""

    default_priority = 101  # after sphinx_external_toc's InsertToctrees (100)

    def apply(self, **kwargs):
        catalog = page_catalog(self.env, self.config, self.env.docname)
        if catalog is None:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalog.gettext(toctree["caption"])


class TranslateOutputs(SphinxPostTransform):
    """Put output alt texts and glued phrases in the page's catalog, or translate them from it."""

    default_priority = (
        6  # after MyST-NB chose each output's MIME type (4) and filled glue refs (5)
    )

    def apply(self, **kwargs):
        docname = self.env.docname
        source = str(self.env.doc2path(docname))
        found = translatable_nodes(self.document, markdown_page=source.endswith(".md"))
        if self.app.builder.name == "gettext":
            domain = docname_to_domain(docname, self.config.gettext_compact)
            catalog = self.app.builder.catalogs[domain]
            for node, _, text in found:
                catalog.add(text, MsgOrigin(node.source or source, node.line))
            if docname == DRAW_PAGE:
                for line, text in enumerate(draw_messages().values(), start=1):
                    catalog.add(text, MsgOrigin(str(DRAW_MESSAGES), line))
            return
        catalog = page_catalog(self.env, self.config, docname)
        if catalog is None:
            return
        for node, attribute, text in found:
            translated = catalog.gettext(text)
            if attribute:
                node[attribute] = translated
            else:
                node.children = [nodes.Text(translated)]


def draw_messages():
    """{key: English template} of the draw page's panel (draw.mjs says them)."""
    return json.loads(DRAW_MESSAGES.read_text(encoding="utf-8"))


def add_draw_messages(app, pagename, templatename, context, doctree):
    """Give the draw page its panel's messages, in the page's language, as JSON draw.mjs reads."""
    # the draw page, or the single page of the whole book (the PDF) that contains it
    if 'class="draw-digit"' not in context.get("body", ""):
        return
    catalog = page_catalog(app.env, app.config, DRAW_PAGE)
    messages = {
        key: catalog.gettext(text) if catalog else text for key, text in draw_messages().items()
    }
    data = json.dumps(messages, ensure_ascii=False, indent=1).replace("</", "<\\/")
    context["body"] += f'<script type="application/json" id="draw-messages">{data}</script>\n'


def edition_links(app, pagename, templatename, context, doctree):
    """Give every page the address of the same page in each edition (`edition-switch.html`)."""
    language = app.config.language or "en"
    here = EDITIONS.get(language, EDITIONS["en"])[0]
    depth = pagename.count("/")
    up = "../" * (depth + here.count("/"))  # from this page to the English edition's root
    context["editions"] = [
        {
            "language": code,
            "name": name,
            "url": f"{up}{folder}{pagename}.html",
            "current": code == language,
        }
        for code, (folder, name) in EDITIONS.items()
    ]
    alternates = "".join(
        f'<link rel="alternate" hreflang="{e["language"]}" href="{e["url"]}" />\n'
        for e in context["editions"]
    )
    context["metatags"] = context.get("metatags", "") + alternates


def configure(app, config):
    """Render outputs for gettext as for HTML; show the switch in every page's header."""
    # MyST-NB has no output priorities for the gettext builder: it would keep no image, no alt text
    html = base_render_priority()["html"]
    config.nb_mime_priority_overrides = [
        *config.nb_mime_priority_overrides,
        *(("gettext", mime, rank) for mime, rank in html.items()),
    ]
    config.templates_path.append(str(Path(__file__).parent / "templates"))
    options = config.html_theme_options
    options["article_header_end"] = ["edition-switch.html", "article-header-buttons.html"]


def setup(app):
    # the book glues with {glue:text} only (tests/test_translations.py checks that)
    glue_roles.PasteTextRole.run = _glue_from_own_notebook(glue_roles.PasteTextRole.run)
    app.add_transform(KeepHeadingAnchors)
    app.add_transform(TranslateToctreeCaptions)
    app.add_post_transform(TranslateOutputs)
    app.connect("config-inited", configure)
    app.connect("html-page-context", edition_links)
    app.connect("html-page-context", add_draw_messages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
