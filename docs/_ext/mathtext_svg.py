"""Render ``:math:`` and ``.. math::`` as SVG with matplotlib's mathtext.

Sphinx's default HTML math renderer, MathJax, loads its scripts from a CDN, and
``sphinx.ext.imgmath`` needs a LaTeX installation. This renderer needs neither:
matplotlib (a documentation dependency anyway, for the gallery) typesets the
formulas into small SVG files under ``_images/math/``, so the built site works
offline and never contacts another host.

mathtext understands a large subset of TeX math, and a few common spellings it
lacks (``\\le``, ``\\lVert``, ``\\tfrac``, ...) are translated first. A formula
it still cannot parse is shown as its TeX source and reported as a warning, which
fails the ``-W`` build until it is rewritten.
"""

import hashlib
import io
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

# TeX spellings that mathtext lacks, mapped to ones it has.
_SUBSTITUTIONS = [
    (r"\lVert", r"\Vert"),
    (r"\rVert", r"\Vert"),
    (r"\lvert", "|"),
    (r"\rvert", "|"),
    (r"\tfrac", r"\frac"),
    (r"\dfrac", r"\frac"),
    (r"\coloneqq", ":="),
    (r"\top", "T"),
    (r"\bigl", ""),
    (r"\bigr", ""),
    (r"\Bigl", ""),
    (r"\Bigr", ""),
    (r"\big", ""),
    (r"\Big", ""),
]
# Short spellings that mathtext lacks; matched as whole commands only.
_COMMANDS = {"le": r"\leq", "ge": r"\geq", "ne": r"\neq", "lt": "<", "gt": ">"}
_COMMAND = re.compile(r"\\(" + "|".join(_COMMANDS) + r")(?![a-zA-Z])")
_ENVIRONMENT = re.compile(r"\\(begin|end)\{(aligned|align\*?|split|gathered)\}")
# formula key -> depth below the baseline in points, for this process's builds
_DEPTHS = {}
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)


def _normalise(latex):
    for old, new in _SUBSTITUTIONS:
        latex = latex.replace(old, new)
    latex = _COMMAND.sub(lambda match: _COMMANDS[match.group(1)], latex)
    latex = _ENVIRONMENT.sub("", latex)
    # mathtext reads one line; TeX treats line breaks as spaces anyway.
    return " ".join(latex.replace("&", "").split())


def _lines(latex):
    """Split a display formula on ``\\\\`` into lines mathtext can set one by one."""
    lines = _normalise(latex).split(r"\\")
    return [line.strip() for line in lines if line.strip()]


def _render(builder, latex, fontsize):
    """Write the SVG for one line of math; return (relative src, depth) or None."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.font_manager import FontProperties
    from matplotlib.mathtext import math_to_image

    key = hashlib.sha1(f"{fontsize}|{latex}".encode()).hexdigest()[:16]
    name = f"{key}.svg"
    folder = Path(builder.outdir) / builder.imagedir / "math"
    target = folder / name
    if key not in _DEPTHS or not target.exists():
        buffer = io.BytesIO()
        try:
            depth = math_to_image(
                f"${latex}$", buffer, prop=FontProperties(size=fontsize), format="svg"
            )
        except (ValueError, RuntimeError) as exc:
            logger.warning(
                "mathtext cannot typeset %r (%s); it is shown as TeX source. "
                "Rewrite it in the TeX subset matplotlib's mathtext supports.",
                latex,
                str(exc).splitlines()[-1] if str(exc) else type(exc).__name__,
                type="mathtext",
            )
            return None
        folder.mkdir(parents=True, exist_ok=True)
        # The metadata block carries a timestamp; dropping it keeps builds stable.
        target.write_text(_METADATA.sub("", buffer.getvalue().decode("utf-8")))
        _DEPTHS[key] = depth
    src = f"{builder.imgpath}/math/{name}"
    return src, _DEPTHS[key]


def _img(translator, src, depth, alt, inline):
    style = f' style="vertical-align: -{depth:g}pt"' if inline and depth else ""
    alt = translator.encode(alt)
    return f'<img class="math" src="{src}" alt="{alt}" title="{alt}"{style}/>'


def _fallback(translator, latex, display):
    code = translator.encode(latex.strip())
    if display:
        return f'<pre class="math-source">{code}</pre>'
    return f'<code class="math-source">{code}</code>'


def html_visit_math(self, node):
    latex = node.astext()
    rendered = _render(self.builder, _normalise(latex), 12)
    if rendered is None:
        self.body.append(_fallback(self, latex, display=False))
    else:
        self.body.append(_img(self, *rendered, alt=latex, inline=True))
    raise nodes.SkipNode


def html_visit_displaymath(self, node):
    latex = node.astext()
    self.body.append(self.starttag(node, "div", CLASS="math"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({node["number"]})</span>')
    rendered = [_render(self.builder, line, 13) for line in _lines(latex)]
    if not rendered or any(item is None for item in rendered):
        self.body.append(_fallback(self, latex, display=True))
    else:
        for src, depth in rendered:
            self.body.append(
                "<p>" + _img(self, src, depth, alt=latex, inline=False) + "</p>"
            )
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer(
        "mathtext_svg",
        inline_renderers=(html_visit_math, None),
        block_renderers=(html_visit_displaymath, None),
    )
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
