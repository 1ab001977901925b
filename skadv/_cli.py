"""The ``skadv`` command line (also ``python -m skadv``).

``skadv report`` writes the feature-impact report of :func:`skadv.generate_report`.
Progress goes to stderr (a bar on a terminal, one line per stage otherwise), the
closing summary and the report's path to stdout; ``--quiet`` leaves only the
path.
Problems with the inputs print one line on stderr and exit with status 2,
without a traceback and without writing anything.
"""

import argparse
import importlib.util
import sys
import time

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(message)


def _column_list(text):
    columns = [c.strip() for c in text.split(",") if c.strip()]
    if not columns:
        raise argparse.ArgumentTypeError("expected column names separated by commas")
    return columns


def _text_list(text):
    # Empty items are kept: "?," reads "?" and empty cells as missing.
    return list(dict.fromkeys(item.strip() for item in text.split(",")))


#: Separators that are awkward to type, by the names a shell user can type.
_NAMED_SEPARATORS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}


def _separator(text):
    sep = _NAMED_SEPARATORS.get(text.lower(), text)
    if not sep:
        raise argparse.ArgumentTypeError("expected a separator such as ';' or tab")
    return sep


def _add_data_arguments(report):
    report.add_argument(
        "--data",
        default="mushroom",
        help="'mushroom', 'spambase' or a CSV/TSV/Parquet file (default: %(default)s)",
    )
    report.add_argument(
        "--target",
        help="target column of a data file, 2 to 50 classes (no default: "
        "required with a data file)",
    )
    report.add_argument(
        "--categorical",
        type=_column_list,
        metavar="COL,...",
        help="comma-separated columns to one-hot encode (default: inferred)",
    )
    report.add_argument(
        "--numeric",
        type=_column_list,
        metavar="COL,...",
        help="comma-separated columns to standardise (default: inferred)",
    )


def _add_reading_arguments(report):
    report.add_argument(
        "--sep",
        type=_separator,
        help="separator of a text file: a character, or 'tab' (default: "
        "sniffed among , ; tab |, else decided by the file suffix)",
    )
    report.add_argument(
        "--na-values",
        type=_text_list,
        metavar="TEXT,...",
        help="comma-separated cell texts read as missing, besides NA, NaN, null "
        "and the other pandas markers; cells are stripped of whitespace first "
        "(default: '?' and empty cells)",
    )
    report.add_argument(
        "--drop",
        type=_column_list,
        metavar="COL,...",
        help="comma-separated columns to leave out (default: none)",
    )
    report.add_argument(
        "--keep",
        type=_column_list,
        metavar="COL,...",
        help="comma-separated columns to use even though they look like "
        "identifiers (default: such columns are dropped, with a warning)",
    )
    report.add_argument(
        "--positive-class",
        metavar="LABEL",
        help="binary target: the label whose probability is explained "
        "(default: the second label in sorted order)",
    )
    report.add_argument(
        "--test-data",
        metavar="PATH",
        help="held-out test file with the same columns, read like --data "
        "(default: none, a --test-size split of --data)",
    )


def _add_model_arguments(report):
    report.add_argument(
        "--epsilon",
        default="auto",
        help="'auto' (cross-validated sweep), a value, or values separated by "
        "commas (default: %(default)s)",
    )
    report.add_argument(
        "--test-size",
        type=float,
        default=0.3,
        help="share of the rows held out for testing when there is no "
        "--test-data (default: %(default)s)",
    )
    report.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="seed of the split and the folds (default: %(default)s)",
    )
    report.add_argument(
        "--tolerance",
        type=float,
        default=0.02,
        help="accuracy drop accepted when choosing epsilon (default: %(default)s)",
    )
    report.add_argument(
        "--cv", type=int, default=3, help="folds of the sweeps (default: %(default)s)"
    )
    report.add_argument(
        "--C",
        type=float,
        default=1.0,
        dest="C",
        help="inverse L2 strength (default: %(default)s)",
    )
    report.add_argument(
        "--l1-lambda",
        type=float,
        default=None,
        help="L1 strength on the mean loss for the L1 model (default: the "
        "paper's 0.01 for mushroom, 0.02 for spambase, else 0.01)",
    )
    report.add_argument(
        "--baseline",
        choices=("mean", "zero"),
        default="mean",
        help="Integrated Gradients baseline: the training mean of each encoded "
        "column, or zero as in the paper (default: %(default)s)",
    )
    report.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="parallel fits during the sweeps; -1 uses every core "
        "(default: one process)",
    )


def _add_output_arguments(report):
    report.add_argument(
        "--out",
        default="report",
        help="output folder: new, empty, or holding only a previous report, "
        "which is replaced (default: %(default)s)",
    )
    report.add_argument(
        "--quiet",
        action="store_true",
        help="no progress and no summary: only errors and the final "
        "'report: PATH' line (default: progress on stderr, summary on stdout)",
    )


def _add_report_parser(subparsers):
    report = subparsers.add_parser(
        "report",
        help="feature-impact report of natural vs adversarial training",
        description=(
            "Fit natural, L1-regularised and adversarially trained logistic "
            "regressions on one split of a table and write a self-contained "
            "report (index.html, summary.json, PNG figures)."
        ),
    )
    # Each option sets the parameter of generate_report of the same name.
    _add_data_arguments(report)
    _add_reading_arguments(report)
    _add_model_arguments(report)
    _add_output_arguments(report)
    return report


def _flag(parameter):
    """The option of ``skadv report`` that sets `parameter` of generate_report."""
    return "--" + parameter.replace("_", "-")


def _flag_spelling(parameter, value=None):
    # The report's errors name the parameter to change; on the command line
    # that is the option the user typed.
    flag = _flag(parameter)
    return flag if value is None else f"{flag} {value!r}"


def build_parser():
    """The argument parser of ``skadv``.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from skadv._cli import build_parser
    >>> args = build_parser().parse_args(["report", "--epsilon", "0.1"])
    >>> args.command, args.data, args.epsilon, args.out
    ('report', 'mushroom', '0.1', 'report')
    """
    parser = _Parser(prog="skadv", description="Adversarial training and explanations")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_report_parser(subparsers)
    return parser


#: Stages the report announces through its progress callable: load, sweep,
#: fit, explain, write.
REPORT_STAGES = 5


def _terminal_bar(total):
    """A tqdm bar on stderr when it is a terminal and tqdm is installed."""
    isatty = getattr(sys.stderr, "isatty", None)
    if isatty is None or not isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total,
        file=sys.stderr,
        unit="stage",
        dynamic_ncols=True,
        bar_format="{desc} {bar} {n_fmt}/{total_fmt} stages [{elapsed}]",
    )


class _Progress:
    """The report's stage messages on stderr: a bar on a terminal, else lines.

    Each message starts a stage, so the bar counts the stages finished: one
    more at each message after the first, and the rest once the report is
    written. The bar appears with the first message; a run that fails clears
    it, leaving the error line alone.
    """

    def __init__(self, started, total=REPORT_STAGES):
        self._started = started
        self._total = total
        self._messages = 0
        self._bar = None

    def __call__(self, message):
        self._messages += 1
        if self._messages == 1:
            self._bar = _terminal_bar(self._total)
        if self._bar is None:
            print(
                f"[skadv {time.perf_counter() - self._started:5.1f}s] {message}",
                file=sys.stderr,
                flush=True,
            )
            return
        if self._messages > 1 and self._bar.n < self._total - 1:
            self._bar.update(1)
        self._bar.set_description_str(str(message))

    def close(self, done):
        """Close the bar: full when the report is `done`, else cleared."""
        if self._bar is None:
            return
        if done:
            self._bar.update(self._total - self._bar.n)
        else:
            self._bar.leave = False
        self._bar.close()


#: Attributes of the parsed arguments that are not parameters of generate_report.
_NOT_PARAMETERS = frozenset({"command", "quiet", "data", "out"})


def _report_parameters(args):
    # An option left out stays out, so generate_report's own default applies.
    return {
        name: value
        for name, value in vars(args).items()
        if name not in _NOT_PARAMETERS and value is not None
    }


def _run_report(args):
    import os
    from pathlib import Path

    from ._report import generate_report
    from ._report._terminal import terminal_summary

    started = time.perf_counter()
    # Resolved now: the path printed at the end names the folder just written.
    out = Path(os.path.realpath(os.path.abspath(args.out)))
    progress = None if args.quiet else _Progress(started)
    done = False
    try:
        summary = generate_report(
            args.data, out=out, progress=progress, **_report_parameters(args)
        )
        done = True
    finally:
        if progress is not None:
            progress.close(done)
    if args.quiet:
        print(f"report: {out / 'index.html'}")
        return 0
    print(terminal_summary(summary, out))
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


def _one_line(message):
    # Column and file names come from the user and may hold line breaks.
    return " ".join(str(message).replace("\r", "\n").split("\n")).strip()


def _missing_report_dependencies():
    # pandas and matplotlib are optional extras of the library but the report
    # cannot work without them: say so in one line instead of a traceback.
    return [
        name
        for name in ("pandas", "matplotlib")
        if importlib.util.find_spec(name) is None
    ]


def main(argv=None):
    """Run ``skadv`` with `argv` (default: the process arguments).

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name.

    Returns
    -------
    status : int
        0 on success, 2 for bad input (after one line on stderr), 130 when
        interrupted with Ctrl-C (nothing half-written is left behind).

    Examples
    --------
    >>> from skadv._cli import main
    >>> main(["report", "--epsilon", "abc"])
    2
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(
            "skadv: interrupted; nothing half-written was left behind",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


def _main(argv):
    missing = _missing_report_dependencies()
    if missing:
        print(
            f"skadv: error: the report needs {' and '.join(missing)}; install them "
            "with: pip install 'skadv[pandas,plot]'",
            file=sys.stderr,
        )
        return EXIT_USAGE

    from ._report import ReportInputError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return _run_report(args)
    except ReportInputError as exc:
        print(f"skadv: error: {_one_line(exc.worded(_flag_spelling))}", file=sys.stderr)
        return EXIT_USAGE
    except _UsageError as exc:
        print(f"skadv: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
