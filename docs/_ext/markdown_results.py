"""Include the Markdown result tables of ``benchmarks/results/`` in the docs.

The benchmark scripts write Markdown, and the documentation is reStructuredText
without a Markdown parser. The ``benchmark-results`` directive reads every file
matching a glob at build time and turns the small Markdown subset those files
use -- headings, paragraphs with hard line breaks, pipe tables with column
alignment, bullet and numbered lists, fenced code, images, and inline code,
emphasis and links -- into docutils nodes directly. Building nodes (rather than
generating reST text) means that no character in a results file can trip a
reST warning, so a new or changed table never breaks the ``-W`` build.

Headings become real (nested) sections, so they appear in the page's table of
contents. Each file becomes a section titled by its first-level heading;
with the ``:omit-title:`` flag that heading is dropped and the file's
second-level headings become sections of the page that includes it, whose
own title then stands for the file. Files that appear later are picked up by
the next build; with none present the directive says so in a sentence.

Usage::

    .. benchmark-results:: ../../benchmarks/results/*.md

    .. benchmark-results:: ../../benchmarks/results/paper.md
       :omit-title:
"""

import os
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)[^)]*\)\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
# A line ending in two spaces or a backslash breaks the line (CommonMark).
_HARD_BREAK = re.compile(r"( {2,}|\\)$")
#: Tables with at least this many columns get a compact layout.
_WIDE_TABLE = 7
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


def _alignments(separator):
    """Column alignments ("left", "center", "right" or None) of a separator row."""
    result = []
    for cell in _split_row(separator):
        left, right = cell.startswith(":"), cell.endswith(":")
        if left and right:
            result.append("center")
        elif right:
            result.append("right")
        elif left:
            result.append("left")
        else:
            result.append(None)
    return result


def _table(header, rows, alignments=()):
    width = max([len(header)] + [len(row) for row in rows])
    classes = ["benchmark-table"]
    if width >= _WIDE_TABLE:
        classes.append("benchmark-table-wide")
    table = nodes.table(classes=classes)
    group = nodes.tgroup(cols=width)
    table += group
    for _ in range(width):
        group += nodes.colspec(colwidth=1)
    alignments = list(alignments) + [None] * (width - len(alignments))

    def make_row(cells):
        row = nodes.row()
        cells = cells + [""] * (width - len(cells))
        for cell, align in zip(cells, alignments):
            entry = nodes.entry(classes=[f"benchmark-{align}"] if align else [])
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


class _Heading:
    """A heading met while parsing; sections are built from these afterwards."""

    def __init__(self, level, text):
        self.level = level
        self.text = text


class _Parser:
    """Turn the lines of one Markdown file into a flat list of blocks.

    Blocks are docutils nodes, and :class:`_Heading` markers where a heading
    stood; :func:`build_sections` nests them into sections.
    """

    def __init__(self, lines, image_prefix):
        self.lines = lines
        self.image_prefix = image_prefix
        self.index = 0
        self.blocks = []

    def parse(self):
        while self.index < len(self.lines):
            line = self.lines[self.index]
            if not line.strip() or _RULE.match(line):
                self.index += 1
            elif line.lstrip().startswith("```") or line.lstrip().startswith("~~~"):
                self._code()
            elif _HEADING.match(line):
                match = _HEADING.match(line)
                self.blocks.append(_Heading(len(match.group(1)), match.group(2)))
                self.index += 1
            elif line.lstrip().startswith("|") and self._next_is_separator():
                self._table()
            elif _BULLET.match(line) or _NUMBERED.match(line):
                self._list()
            elif _IMAGE.match(line.strip()):
                self._image(_IMAGE.match(line.strip()))
            else:
                self._paragraph()
        return self.blocks

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
        self.blocks.append(nodes.literal_block(text, text))

    def _table(self):
        header = _split_row(self.lines[self.index])
        alignments = _alignments(self.lines[self.index + 1])
        self.index += 2
        rows = []
        while self.index < len(self.lines) and self.lines[
            self.index
        ].lstrip().startswith("|"):
            rows.append(_split_row(self.lines[self.index]))
            self.index += 1
        self.blocks.append(_table(header, rows, alignments))

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
        self.blocks.append(listing)

    def _image(self, match):
        alt, uri = match.group(1), match.group(2)
        self.index += 1
        if "://" in uri:
            # A remote image would make the page fetch from the network: link it.
            paragraph = nodes.paragraph()
            paragraph += nodes.reference("", alt or uri, refuri=uri)
            self.blocks.append(paragraph)
            return
        self.blocks.append(
            nodes.image(
                uri=f"{self.image_prefix}/{uri}",
                alt=alt,
                classes=["benchmark-figure"],
            )
        )

    def _paragraph(self):
        lines = []
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
            lines.append(line)
            self.index += 1
        # Lines joined by soft breaks form one logical line; a hard break
        # (two trailing spaces or a backslash) starts the next one.
        logical, current = [], []
        for line in lines:
            current.append(line.strip().lstrip(">").strip().rstrip("\\").rstrip())
            if _HARD_BREAK.search(line):
                logical.append(" ".join(current))
                current = []
        if current:
            logical.append(" ".join(current))
        if len(logical) == 1:
            self.blocks.append(nodes.paragraph("", "", *inline_nodes(logical[0])))
            return
        block = nodes.line_block()
        for text in logical:
            block += nodes.line("", "", *inline_nodes(text))
        self.blocks.append(block)


def parse_markdown(text, image_prefix="."):
    """Return the blocks of a Markdown document: nodes and heading markers."""
    return _Parser(text.splitlines(), image_prefix).parse()


def document_title(blocks):
    """The text of the leading first-level heading, or None."""
    if blocks and isinstance(blocks[0], _Heading) and blocks[0].level == 1:
        return blocks[0].text
    return None


class _SectionMaker:
    """Titled sections with ids unique in the document, prefixed by the file."""

    def __init__(self, document, prefix):
        self.document = document
        self.prefix = prefix

    def __call__(self, text):
        section = nodes.section()
        section += nodes.title("", "", *inline_nodes(text))
        section["names"].append(nodes.fully_normalize_name(f"{self.prefix} {text}"))
        # As for a reST heading: an id from the name, made unique if needed.
        self.document.note_implicit_target(section, section)
        return section


def build_sections(blocks, make_section, base_level):
    """Nest ``blocks`` into sections: ``base_level`` headings are the outermost.

    Headings at or above ``base_level`` open a section at the outermost level,
    deeper ones nest under the closest shallower open heading. Returns the
    nodes before the first heading followed by the outermost sections.
    """
    result, stack = [], []  # stack of (level, section)
    for block in blocks:
        if isinstance(block, _Heading):
            level = max(block.level, base_level)
            while stack and stack[-1][0] >= level:
                stack.pop()
            section = make_section(block.text)
            (stack[-1][1] if stack else result).append(section)
            stack.append((level, section))
        elif stack:
            stack[-1][1].append(block)
        else:
            result.append(block)
    return result


class BenchmarkResults(SphinxDirective):
    """Insert the Markdown files matching the argument, a path or a glob."""

    required_arguments = 1
    has_content = False
    option_spec = {"omit-title": directives.flag}

    def run(self):
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        pattern = self.arguments[0]
        folder = (docdir / pattern).parent.resolve()
        files = sorted(folder.glob(Path(pattern).name)) if folder.is_dir() else []
        # Rebuild this page whenever a results file is added or removed.
        self.env.note_dependency(str(folder))
        if not files:
            paragraph = nodes.paragraph(
                text=f"No result tables have been committed yet (looked for {pattern})."
            )
            return [paragraph]
        document = self.state.document
        result = []
        for path in files:
            self.env.note_dependency(str(path))
            prefix = os.path.relpath(path.parent, docdir).replace(os.sep, "/")
            blocks = parse_markdown(path.read_text(encoding="utf-8"), prefix)
            title = document_title(blocks)
            if title is not None:
                blocks = blocks[1:]
            source = nodes.paragraph(classes=["benchmark-source"])
            source += nodes.Text("Source: ")
            # Named from the repository root, the folder above the docs.
            root = Path(self.env.srcdir).resolve().parent
            source += nodes.literal(
                text=os.path.relpath(path, root).replace(os.sep, "/")
            )
            make_section = _SectionMaker(document, f"results {path.stem}")
            body = build_sections(blocks, make_section, base_level=2)
            # Markdown is taken literally: "--full" is an option, not a dash.
            for node in body:
                node["support_smartquotes"] = False
            if "omit-title" in self.options:
                result.append(source)
                result.extend(body)
                continue
            title = title or path.stem.replace("_", " ")
            section = make_section(title)
            section += source
            section.extend(body)
            result.append(section)
        return result


def setup(app):
    app.add_directive("benchmark-results", BenchmarkResults)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}
