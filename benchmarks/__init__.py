"""Benchmarks of skadv and the reproduction of the paper's comparison.

Every script is a module of this package, run from the repository root::

    python -m benchmarks.bench_linear --quick
    python -m benchmarks.bench_ig --quick
    python -m benchmarks.bench_nets --quick
    python -m benchmarks.reproduce_paper --quick
    bash benchmarks/gpu_check.sh        # on a machine with a CUDA GPU

Each accepts ``--smoke`` (tiny sizes, seconds, meaningless numbers), ``--quick``
and ``--output PATH`` (see :mod:`benchmarks._cli`) and writes a Markdown table to
``benchmarks/results/`` unless told otherwise. The table starts with the command
that made it and the machine and library versions it ran on. The package is not
installed with skadv; its private modules (``_*.py``) serve the scripts only.
"""
