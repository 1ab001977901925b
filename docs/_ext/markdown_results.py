"""Include the Markdown result tables of ``benchmarks/results/`` in the docs.

The benchmark scripts write Markdown, and the documentation is reStructuredText
without a Markdown parser. The ``benchmark-results`` directive reads every file
matching a glob at build time and turns the small Markdown subset those files
use -- headings, paragraphs, pipe tables, bullet and numbered lists, fenced
code, images, and inline code, emphasis and links -- into docutils nodes
directly. Building nodes (rather than generating reST text) means that no
character in a results file can trip a reST warning, so a new or changed table
never breaks the ``-W`` build. Files that appear later are picked up by the
next build; with none present the directive says so in a sentence.

Usage::

    .. benchmark-results:: ../benchmarks/results/*.md
"""

import os
import re
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)[^)]*\)\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|__(?P<strong2>.+?)__"
    r"|(?<![\w*])\*(?P<em>[^*\s][^*]*?)\*(?!\w)"
    r"|\[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)[^)]*\)"
    r"|<(?P<autolink>https?://[^>\s]+)>"
)


def inline_nodes(text):
    """Docutils inline nodes for one line of Markdown text."""
    result, position = [], 0
    for match in _INLINE.finditer(text):
        if match.start() > position:
            result.append(nodes.Text(_unescape(text[position : match.start()])))
        if match.group("code"):
            result.append(nodes.literal(text=match.group("code_text").strip()))
        elif match.group("strong") or match.group("strong2"):
            inner = match.group("strong") or match.group("strong2")
            result.append(nodes.strong("", "", *inline_nodes(inner)))
        elif match.group("em"):
            result.append(nodes.emphasis("", "", *inline_nodes(match.group("em"))))
        elif match.group("link_text"):
            url = match.group("link_url")
            result.append(
                nodes.reference(
                    "", "", *inline_nodes(match.group("link_text")), refuri=url
                )
            )
        else:
            url = match.group("autolink")
            result.append(nodes.reference("", url, refuri=url))
        position = match.end()
    if position < len(text):
        result.append(nodes.Text(_unescape(text[position:])))
    return result


def _unescape(text):
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)


def _split_row(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _table(header, rows):
    width = max([len(header)] + [len(row) for row in rows])
    table = nodes.table(classes=["benchmark-table"])
    group = nodes.tgroup(cols=width)
    table += group
    for _ in range(width):
        group += nodes.colspec(colwidth=1)

    def make_row(cells):
        row = nodes.row()
        for cell in cells + [""] * (width - len(cells)):
            entry = nodes.entry()
            entry += nodes.paragraph("", "", *inline_nodes(cell))
            row += entry
        return row

    head = nodes.thead()
    head += make_row(header)
    body = nodes.tbody()
    for cells in rows:
        body += make_row(cells)
    group += head
    group += body
    return table


class _Parser:
    """Turn the lines of one Markdown file into a list of docutils nodes."""

    def __init__(self, lines, image_prefix):
        self.lines = lines
        self.image_prefix = image_prefix
        self.index = 0
        self.title = None
        self.nodes = []

    def parse(self):
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if not line.strip() or _RULE.match(line):
                self.index += 1
            elif line.lstrip().startswith("```") or line.lstrip().startswith("~~~"):
                self._code()
            elif _HEADING.match(line):
                self._heading(_HEADING.match(line))
            elif line.lstrip().startswith("|") and self._next_is_separator():
                self._table()
            elif _BULLET.match(line) or _NUMBERED.match(line):
                self._list()
            elif _IMAGE.match(line.strip()):
                self._image(_IMAGE.match(line.strip()))
            else:
                self._paragraph()
        return self.title, self.nodes

    def _next_is_separator(self):
        nxt = self.index + 1
        return nxt < len(self.lines) and bool(_TABLE_SEPARATOR.match(self.lines[nxt]))

    def _code(self):
        fence = self.lines[self.index].lstrip()[:3]
        self.index += 1
        body = []
        while self.index < len(self.lines) and not self.lines[
            self.index
        ].lstrip().startswith(fence):
            body.append(self.lines[self.index])
            self.index += 1
        self.index += 1
        text = "\n".join(body)
        self.nodes.append(nodes.literal_block(text, text))

    def _heading(self, match):
        level, text = len(match.group(1)), match.group(2)
        self.index += 1
        if level == 1 and self.title is None and not self.nodes:
            self.title = text
        else:
            self.nodes.append(nodes.rubric("", "", *inline_nodes(text)))

    def _table(self):
        header = _split_row(self.lines[self.index])
        self.index += 2
        rows = []
        while self.index < len(self.lines) and self.lines[
            self.index
        ].lstrip().startswith("|"):
            rows.append(_split_row(self.lines[self.index]))
            self.index += 1
        self.nodes.append(_table(header, rows))

    def _list(self):
        numbered = bool(_NUMBERED.match(self.lines[self.index]))
        items = []
        while self.index < len(self.lines):
            line = self.lines[self.index]
            match = _NUMBERED.match(line) if numbered else _BULLET.match(line)
            if match:
                items.append(match.group(1))
            elif line.strip() and line.startswith((" ", "\t")) and items:
                items[-1] += " " + line.strip()
            else:
                break
            self.index += 1
        listing = nodes.enumerated_list() if numbered else nodes.bullet_list()
        for text in items:
            item = nodes.list_item()
            item += nodes.paragraph("", "", *inline_nodes(text))
            listing += item
        self.nodes.append(listing)

    def _image(self, match):
        alt, uri = match.group(1), match.group(2)
        self.index += 1
        if "://" in uri:
            # A remote image would make the page fetch from the network: link it.
            paragraph = nodes.paragraph()
            paragraph += nodes.reference("", alt or uri, refuri=uri)
            self.nodes.append(paragraph)
            return
        self.nodes.append(nodes.image(uri=f"{self.image_prefix}/{uri}", alt=alt))

    def _paragraph(self):
        text = []
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if (
                not line.strip()
                or _HEADING.match(line)
                or line.lstrip().startswith(("```", "~~~"))
                or (line.lstrip().startswith("|") and self._next_is_separator())
                or _BULLET.match(line)
                or _NUMBERED.match(line)
            ):
                break
            text.append(line.strip().lstrip(">").strip())
            self.index += 1
        self.nodes.append(nodes.paragraph("", "", *inline_nodes(" ".join(text))))


def parse_markdown(text, image_prefix="."):
    """Return ``(title, nodes)`` for a Markdown document (title may be None)."""
    return _Parser(text.splitlines(), image_prefix).parse()


class BenchmarkResults(SphinxDirective):
    """Insert one section per Markdown file matching the glob argument."""

    required_arguments = 1
    has_content = False

    def run(self):
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        pattern = self.arguments[0]
        folder = (docdir / pattern).parent
        files = sorted(folder.glob(Path(pattern).name)) if folder.is_dir() else []
        # Rebuild this page whenever a results file is added or removed.
        self.env.note_dependency(str(folder))
        if not files:
            paragraph = nodes.paragraph(
                text=f"No result tables have been committed yet (looked for {pattern})."
            )
            return [paragraph]
        result = []
        for path in files:
            self.env.note_dependency(str(path))
            prefix = os.path.relpath(path.parent, docdir).replace(os.sep, "/")
            title, body = parse_markdown(path.read_text(encoding="utf-8"), prefix)
            title = title or path.stem.replace("_", " ")
            section_id = nodes.make_id(f"results-{path.stem}")
            section = nodes.section(ids=[section_id], names=[section_id])
            section += nodes.title("", "", *inline_nodes(title))
            source = nodes.paragraph()
            source += nodes.Text("Source: ")
            source += nodes.literal(text=os.path.relpath(path, docdir.parent))
            section += source
            section.extend(body)
            result.append(section)
        return result


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
