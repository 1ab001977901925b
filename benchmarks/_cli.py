"""What every benchmark shares: its command line and its environment block.

Each script offers the same modes, chosen by mutually exclusive flags: ``--smoke``
(tiny sizes, seconds, meaningless numbers: for the tests), ``--quick`` (minutes on
a small CPU) and the full sizes, and ``--output PATH`` for the Markdown file it
writes. Each results file starts with the same block: the command that made it,
the date, the machine, the threads and the versions of the libraries the run
imported, so that a reader can judge the numbers and make them again.
"""

import argparse
import datetime
import os
import platform
import shlex
import sys
from pathlib import Path

#: The folder of the committed results files.
RESULTS = Path(__file__).resolve().parent / "results"
#: The repository root, from where ``python -m benchmarks.<script>`` runs.
ROOT = RESULTS.parent.parent

_MODE_HELP = {
    "smoke": "tiny sizes, seconds; numbers are meaningless (for tests)",
    "quick": "reduced sizes, minutes on a small CPU",
    "full": "full sizes",
}
# Libraries that are named in the versions when a run has imported them.
_OPTIONAL_LIBRARIES = ("numba", "threadpoolctl", "torch", "captum", "matplotlib")


def benchmark_parser(
    doc,
    output,
    *,
    flags=("quick", "smoke"),
    default="full",
    mode_help=None,
    output_help=None,
):
    """An argument parser with the mode flags and ``--output``.

    Parameters
    ----------
    doc : str
        The script's docstring; its first paragraph describes the parser.
    output : path-like or None
        Default of ``--output``.
    flags : tuple of {"smoke", "quick", "full"}, default=("quick", "smoke")
        The modes that have a flag; they exclude each other.
    default : {"smoke", "quick", "full"}, default="full"
        The mode without a flag.
    mode_help : dict or None
        Help texts of the flags that replace the generic ones.
    output_help : str or None
        Help text of ``--output``; None names the default.

    Returns
    -------
    parser : argparse.ArgumentParser
        The chosen mode is ``args.mode``.

    Examples
    --------
    >>> from benchmarks._cli import benchmark_parser
    >>> parser = benchmark_parser("A benchmark.", "out.md")
    >>> args = parser.parse_args(["--quick"])
    >>> args.mode, str(args.output)
    ('quick', 'out.md')
    >>> parser.parse_args([]).mode
    'full'
    """
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    modes = parser.add_mutually_exclusive_group()
    help_texts = {**_MODE_HELP, **(mode_help or {})}
    for mode in flags:
        modes.add_argument(
            f"--{mode}",
            dest="mode",
            action="store_const",
            const=mode,
            help=help_texts[mode],
        )
    parser.set_defaults(mode=default)
    parser.add_argument(
        "--output",
        type=Path,
        default=None if output is None else Path(output),
        help=output_help or f"Markdown file to write (default: {output}).",
    )
    return parser


def command_line(module, argv=None):
    """The command that runs ``module`` with ``argv``, as a shell line.

    Parameters
    ----------
    module : str
        Dotted name of the script's module, ``__spec__.name`` under ``-m``.
    argv : list of str or None
        The arguments; None means ``sys.argv[1:]``.

    Returns
    -------
    command : str

    Examples
    --------
    >>> from benchmarks._cli import command_line
    >>> command_line("benchmarks.bench_ig", ["--smoke", "--output", "a b.md"])
    "python -m benchmarks.bench_ig --smoke --output 'a b.md'"
    """
    argv = sys.argv[1:] if argv is None else argv
    return shlex.join(["python", "-m", module, *argv])


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _threads():
    threads = []
    if "numba" in sys.modules:
        threads.append(f"numba {sys.modules['numba'].get_num_threads()}")
    if "torch" in sys.modules:
        threads.append(f"torch {sys.modules['torch'].get_num_threads()}")
    return ", ".join(threads) or "default"


def device_description(devices):
    """The torch devices a run computed on, in words, naming the GPU of CUDA.

    Parameters
    ----------
    devices : iterable of str
        Names of torch devices, such as ``"cpu"`` or ``"cuda:0"``.

    Returns
    -------
    description : str

    Examples
    --------
    >>> from benchmarks._cli import device_description
    >>> device_description(["cpu", "cpu"])
    'cpu'
    """
    used = sorted(set(devices))
    text = ", ".join(used)
    if any(name.startswith("cuda") for name in used):
        import torch

        text += f" ({torch.cuda.get_device_name(0)})"
    return text


def environment(device=None):
    """Facts a reader needs to judge the numbers of a run that has just ended.

    Call it at the end of the run: the threads and the optional libraries are
    those in use then.

    Parameters
    ----------
    device : str or None
        The device the run computed on, in words, when that is not the CPU.

    Returns
    -------
    env : dict
        ``date``, ``machine``, ``threads``, ``versions`` (name -> version) and,
        when given, ``device``: plain strings, so the block can be stored as JSON.

    Examples
    --------
    >>> from benchmarks._cli import environment
    >>> env = environment()
    >>> sorted(env)
    ['date', 'machine', 'threads', 'versions']
    >>> list(env["versions"])[:3]
    ['python', 'skadv', 'numpy']
    """
    import numpy
    import scipy
    import sklearn

    import skadv

    versions = {
        "python": platform.python_version(),
        "skadv": skadv.__version__,
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
    }
    for name in _OPTIONAL_LIBRARIES:
        if name in sys.modules:
            versions[name] = sys.modules[name].__version__
    env = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": (
            f"{platform.system()} {platform.machine()}, {_cpu_model()}, "
            f"{os.cpu_count()} logical CPUs visible"
        ),
        "threads": _threads(),
        "versions": versions,
    }
    if device is not None:
        env["device"] = device
    return env


def environment_lines(command, env, command_note=""):
    """The environment block of a results file, as Markdown list items.

    Parameters
    ----------
    command : str
        The command that made the file (see :func:`command_line`).
    env : dict
        As returned by :func:`environment`.
    command_note : str, default=""
        Text that follows the command on its line.

    Returns
    -------
    lines : list of str

    Examples
    --------
    >>> from benchmarks._cli import environment_lines
    >>> env = {"date": "today", "machine": "one CPU", "threads": "torch 1",
    ...        "versions": {"python": "3.11"}}
    >>> print("\\n".join(environment_lines("python -m benchmarks.x", env)))
    - command: `python -m benchmarks.x`
    - date: today
    - machine: one CPU; threads: torch 1
    - versions: python 3.11
    """
    machine = f"{env['machine']}; threads: {env['threads']}"
    if "device" in env:
        machine += f"; device: {env['device']}"
    versions = ", ".join(f"{name} {v}" for name, v in env["versions"].items())
    return [
        f"- command: `{command}`{command_note}",
        f"- date: {env['date']}",
        f"- machine: {machine}",
        f"- versions: {versions}",
    ]


def write_text(path, text):
    """Write ``text`` to ``path`` (UTF-8), making its folder if needed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
