"""The one exception type the report raises for problems with its inputs.

A message that tells the user which option to change names it the way the
caller passed it: ``target=`` to a Python caller, ``--target`` on the command
line. Such a message is given as a function of a *spelling*, a callable
``spell(parameter, value=None)`` that writes a parameter name, alone or with a
value; :func:`python_spelling` is the library's own.
"""


def python_spelling(parameter, value=None):
    """Write `parameter` as in a Python call: ``name=`` or ``name=value``.

    Parameters
    ----------
    parameter : str
        Name of a parameter of :func:`skadv.generate_report`.
    value : object, default=None
        A value to show with it; None shows the name alone.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from skadv._report._errors import python_spelling
    >>> python_spelling("target"), python_spelling("out", "report")
    ('target=', "out='report'")
    """
    return f"{parameter}=" if value is None else f"{parameter}={value!r}"


class ReportInputError(ValueError):
    """A problem with the data, the options or the output folder of a report.

    The command line turns it into a one-line message and exit code 2; it is
    raised before anything is written, so a failed run leaves no trace.

    Parameters
    ----------
    message : str or callable
        The message, or a function that makes it from a spelling
        ``spell(parameter, value=None)``, for a message that names parameters.
        ``str(error)`` is the message spelled by :func:`python_spelling`.
    parameter : str, default=None
        Name of the parameter at fault, when one is.

    Attributes
    ----------
    parameter : str or None
        Name of the parameter at fault, when one is.

    Examples
    --------
    >>> from skadv._report import ReportInputError
    >>> try:
    ...     raise ReportInputError("unknown target column 'y'")
    ... except ValueError as exc:
    ...     print(exc)
    unknown target column 'y'
    >>> error = ReportInputError(
    ...     lambda spell: f"{spell('target')} is required", parameter="target"
    ... )
    >>> str(error), error.parameter
    ('target= is required', 'target')
    >>> error.worded(lambda name, value=None: "--" + name)
    '--target is required'
    """

    def __init__(self, message, *, parameter=None):
        self._wording = message if callable(message) else None
        self.parameter = parameter
        super().__init__(message(python_spelling) if callable(message) else message)

    def worded(self, spell):
        """The message with the parameters it names written by `spell`.

        Parameters
        ----------
        spell : callable
            ``spell(parameter, value=None) -> str``, as :func:`python_spelling`.

        Returns
        -------
        message : str
            The message; a message that names no parameter is returned as is.
        """
        return str(self) if self._wording is None else self._wording(spell)

    def __reduce__(self):
        # The wording function may be a closure, which does not pickle; a copy
        # keeps the message as the library spells it.
        return type(self), (str(self),), {"parameter": self.parameter}
