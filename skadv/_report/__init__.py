"""The feature-impact report behind ``skadv report`` (private).

:func:`generate_report`, public as :func:`skadv.generate_report`, fits the
paper's three model types (natural, L1-regularised, adversarially trained) on
one split of a table and writes a self-contained folder: ``index.html``,
``summary.json`` and three figures. The command line ``skadv report`` is a thin
layer over it. The other names gathered here are for the command line and the
tests; they are not part of the public API.
"""

from skadv._report._data import TabularData, load_table
from skadv._report._epsilon import AUTO_GRID, parse_epsilon, select_epsilon
from skadv._report._errors import ReportInputError
from skadv._report._models import l1_C
from skadv._report._output import check_output_dir
from skadv._report._preprocess import make_preprocessor
from skadv._report._report import generate_report

__all__ = [
    "AUTO_GRID",
    "ReportInputError",
    "TabularData",
    "check_output_dir",
    "generate_report",
    "l1_C",
    "load_table",
    "make_preprocessor",
    "parse_epsilon",
    "select_epsilon",
]
