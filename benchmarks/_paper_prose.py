"""Wording helpers of the paper reproduction's discussion.

Numbers are written as a reader writes them, and ``_claim`` stops a
discussion whose words the record contradicts. Shared by the tabular
(``_paper_discussion_tabular``) and the image part (``_paper_discussion``)
of the discussion and by the report.
"""

import textwrap
from decimal import ROUND_HALF_UP, Decimal

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")


class DiscussionMismatch(ValueError):
    """The discussion says something that the results of the run do not."""


def _claim(holds, sentence):
    if not holds:
        raise DiscussionMismatch(
            f"the discussion says {sentence!r}, but the results do not: "
            "rewrite that part of benchmarks/_paper_discussion.py or "
            "_paper_discussion_tabular.py"
        )


def _fixed(value, digits):
    """``value`` with ``digits`` decimals, ties rounded up as a reader would.

    Float noise is cut off first, so that 2.55 from 0.8440 - 0.8185 is "2.6".
    """
    exact = Decimal(f"{value:.9f}")
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _pct(value, digits=1):
    """A fraction as a percentage; a whole 100% is written without decimals."""
    text = _fixed(100 * value, digits)
    return "100%" if float(text) == 100 else f"{text}%"


def _sci(value):
    """``1e-05`` written as ``1e-5``; zero as ``0``."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _listing(items):
    """``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _word(number):
    return _WORDS[number] if number < len(_WORDS) else str(number)


def _rewrap(text, width=79):
    """Fill the paragraphs and list items of Markdown ``text`` to ``width``.

    The fields change the length of the lines of a template; refilling keeps
    the committed file readable.
    """
    blocks = []
    for block in text.strip().split("\n\n"):
        items, current = [], []
        for line in block.splitlines():
            if line.startswith("- ") and current:
                items.append(current)
                current = []
            current.append(line.strip())
        items.append(current)
        filled = []
        for item in items:
            joined = " ".join(item)
            indent = "  " if joined.startswith("- ") else ""
            filled.append(
                textwrap.fill(
                    joined,
                    width,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        blocks.append("\n".join(filled))
    return "\n\n".join(blocks) + "\n"
