"""The book's two editions, English and Korean, from one source: Sphinx's message catalogs.

Sphinx translates each page's paragraphs, headings and captions from locale/<language>/LC_MESSAGES
(tools/translations.py makes and checks the catalogs). Three things it does not reach in a
notebook are handled here, and the editions link to each other (0 keeps headings' anchors):

0. A translated page keeps the anchors of its English headings (`KeepHeadingAnchors`).

1. Glue in a translated paragraph. MyST-NB finds a `{glue:text}` key only while it parses the
   notebook; Sphinx parses a translated paragraph on its own, where the key is unknown. There the
   role becomes a reference to the same notebook's glued value (as `notebook.ipynb::key` would),
   which MyST-NB's own post-transform fills in: the number is the notebook's, never typed.
2. Alt texts of output images, and glued values that are words ("within its bar"). MyST-NB makes
   them after Sphinx has translated the page. The gettext builder adds them to the page's catalog;
   the other builders translate them from it.
3. A link to the same page in the other edition, in every page's header (`edition-switch.html`),
   and `<link rel="alternate" hreflang>` for search engines. The Korean edition is published in the
   folder `ko/` of the English one.
"""

import re
from os import path
from pathlib import Path

from docutils import nodes
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


def translatable_nodes(document):
    """(node, attribute or None, text) for each alt text and each glued phrase of a page."""
    found = []
    for image in document.findall(nodes.image):
        if image.get("alt"):
            found.append((image, "alt", image["alt"]))
    for inline in document.findall(nodes.inline):
        if "pasted-text" in inline.get("classes", []) and is_phrase(inline.astext()):
            found.append((inline, None, inline.astext()))
    return found


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


class TranslateOutputs(SphinxPostTransform):
    """Put output alt texts and glued phrases in the page's catalog, or translate them from it."""

    default_priority = (
        6  # after MyST-NB chose each output's MIME type (4) and filled glue refs (5)
    )

    def apply(self, **kwargs):
        docname = self.env.docname
        domain = docname_to_domain(docname, self.config.gettext_compact)
        found = translatable_nodes(self.document)
        if self.app.builder.name == "gettext":
            catalog = self.app.builder.catalogs[domain]
            for node, _, text in found:
                catalog.add(text, MsgOrigin(node.source or self.env.doc2path(docname), node.line))
            return
        if not self.config.language or self.config.language == "en":
            return
        dirs = [path.join(self.env.srcdir, folder) for folder in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for node, attribute, text in found:
            translated = catalog.gettext(text)
            if attribute:
                node[attribute] = translated
            else:
                node.children = [nodes.Text(translated)]


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
    app.add_post_transform(TranslateOutputs)
    app.connect("config-inited", configure)
    app.connect("html-page-context", edition_links)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
