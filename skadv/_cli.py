"""The ``skadv`` command line (also ``python -m skadv``).

``skadv report`` writes the feature-impact report of :func:`skadv.generate_report`.
Progress goes to stderr, the closing summary and the report's path to stdout.
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


def _add_data_arguments(report):
    report.add_argument(
        "--data",
        default="mushroom",
        help="'mushroom', 'spambase' or a CSV/TSV/Parquet file (default: mushroom)",
    )
    report.add_argument("--target", help="target column of a data file")
    report.add_argument(
        "--categorical",
        type=_column_list,
        help="comma-separated columns to one-hot encode (default: inferred)",
    )
    report.add_argument(
        "--numeric",
        type=_column_list,
        help="comma-separated columns to standardise (default: inferred)",
    )


def _add_model_arguments(report):
    report.add_argument(
        "--epsilon",
        default="auto",
        help="'auto' (cross-validated sweep), a value, or values separated by "
        "commas (default: auto)",
    )
    report.add_argument("--test-size", type=float, default=0.3)
    report.add_argument("--random-state", type=int, default=0)
    report.add_argument(
        "--tolerance",
        type=float,
        default=0.02,
        help="accuracy drop accepted when choosing epsilon (default: 0.02)",
    )
    report.add_argument("--cv", type=int, default=3, help="folds (default: 3)")
    report.add_argument(
        "--C", type=float, default=1.0, dest="C", help="inverse L2 strength"
    )
    report.add_argument(
        "--l1-lambda",
        type=float,
        default=None,
        help="L1 strength on the mean loss for the L1 model (default: the "
        "paper's 0.01 for mushroom, 0.02 for spambase, else 0.01)",
    )
    report.add_argument("--n-jobs", type=int, default=None)


def _add_output_arguments(report):
    report.add_argument(
        "--out",
        default="report",
        help="output folder: new, empty, or holding only a previous report, "
        "which is replaced (default: report)",
    )
    report.add_argument(
        "--quiet", action="store_true", help="no progress messages on stderr"
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


def _progress(quiet, started):
    if quiet:
        return None

    def say(message):
        print(
            f"[skadv {time.perf_counter() - started:5.1f}s] {message}",
            file=sys.stderr,
            flush=True,
        )

    return say


def _run_report(args):
    import os
    from pathlib import Path

    from ._report import generate_report
    from ._report._summary import terminal_summary

    started = time.perf_counter()
    # Resolved now: the path printed at the end names the folder just written.
    out = Path(os.path.realpath(os.path.abspath(args.out)))
    summary = generate_report(
        args.data,
        out=out,
        target=args.target,
        categorical=args.categorical,
        numeric=args.numeric,
        epsilon=args.epsilon,
        test_size=args.test_size,
        random_state=args.random_state,
        tolerance=args.tolerance,
        cv=args.cv,
        C=args.C,
        l1_lambda=args.l1_lambda,
        n_jobs=args.n_jobs,
        progress=_progress(args.quiet, started),
    )
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
