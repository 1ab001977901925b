"""The one exception type the report raises for problems with its inputs."""


class ReportInputError(ValueError):
    """A problem with the data, the options or the output folder of a report.

    The command line turns it into a one-line message and exit code 2; it is
    raised before anything is written, so a failed run leaves no trace.

    Examples
    --------
    >>> from skadv.report import ReportInputError
    >>> try:
    ...     raise ReportInputError("unknown target column 'y'")
    ... except ValueError as exc:
    ...     print(exc)
    unknown target column 'y'
    """
