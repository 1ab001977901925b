"""AdversarialLogisticRegression on dask arrays: a cluster, an on-disk array, IG.

All in one run, on one ``distributed.LocalCluster`` of 2 worker processes with
one thread each, and data persisted on the workers:

- the fit on dask against dask-ml's ``LogisticRegression(solver="lbfgs")`` at
  epsilon = 0 and the same C (targets: skadv at least 10 times faster, and its
  objective no higher);
- the fit on dask against the same fit in memory in this process (target: the
  dask fit at most 2 times slower);
- lazy Integrated Gradients of every row on the cluster against in memory;
- out of core: a float32 array stored on disk in chunks (``da.to_npy_stack``),
  fitted at epsilon = 0.05 on the threaded scheduler without a cluster, in a
  fresh process whose resident memory is sampled (target: at most three
  chunks' worth above the process's resident memory before the fit).

dask-ml is optional (``pip install dask-ml``); without it its rows say so.

Usage, from the repository root::

    python -m benchmarks.bench_dask            # 1e6 x 100; 2e7 x 100 on disk (8 GB)
    python -m benchmarks.bench_dask --quick    # 2e5 x 100; 2e6 x 100 on disk
    python -m benchmarks.bench_dask --smoke --output /tmp/t.md   # seconds
    python -m benchmarks.bench_dask --ooc-rows 5000000   # a smaller disk
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np

from skadv.linear_model import AdversarialLogisticRegression

from ._cli import (
    RESULTS,
    ROOT,
    benchmark_parser,
    command_line,
    environment,
    environment_lines,
    write_text,
)

#: name: (rows, features, chunks of the cluster data; rows on disk, rows per chunk)
SIZES = {
    "smoke": (20_000, 20, 4, 200_000, 50_000),
    "quick": (200_000, 100, 10, 2_000_000, 250_000),
    "full": (1_000_000, 100, 10, 20_000_000, 500_000),
}
#: Timed runs of each skadv fit and of IG; the fastest counts. dask-ml runs once.
REPEATS = {"smoke": 1, "quick": 2, "full": 3}
OOC_EPSILON = 0.05
# Free disk kept beyond the on-disk array, for everything else on the machine.
DISK_MARGIN = 5e9
TARGETS = {"dask_ml": 10.0, "overhead": 2.0, "chunks": 3.0}
# A second skadv fit on dask stops at this tolerance instead of the default.
TIGHT_TOL = 1e-8


class PeakResidentMemory:
    """Peak resident memory of this process above its value on entry (bytes).

    A thread samples ``VmRSS`` of ``/proc/self/status`` every few milliseconds;
    where the kernel allows resetting the high-water mark, ``VmHWM`` also
    catches a peak between two samples.
    """

    def __init__(self, interval=0.005):
        self.interval = interval
        self.baseline = self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def _status(field):
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"no {field} in /proc/self/status")

    def _sample(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self._status("VmRSS"))

    def __enter__(self):
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
                handle.write("5")
            self._hwm = True
        except OSError:
            self._hwm = False
        self.baseline = self.peak = self._status("VmRSS")
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._status("VmRSS"))
        if self._hwm:
            self.peak = max(self.peak, self._status("VmHWM"))
        return False

    @property
    def peak_above_baseline(self):
        return self.peak - self.baseline


def make_data(n_rows, n_features, seed=0):
    """Standard normal columns and labels of a noisy linear rule."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=n_features)
    X = rng.normal(size=(n_rows, n_features))
    y = (X @ w + 3.0 * rng.normal(size=n_rows) > 0).astype(np.int64)
    return X, y


def best_of(function, repeats):
    """Seconds of the fastest of ``repeats`` calls, and the last result."""
    best, result = np.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def objective(X, y, coef, intercept, epsilon=0.0, C=1.0):
    """The docstring objective of AdversarialLogisticRegression, in float64."""
    coef = np.ravel(np.asarray(coef, dtype=np.float64))
    y_pm = np.where(y == 1, 1.0, -1.0)
    z = X @ coef + float(np.ravel(intercept)[0])
    loss = np.logaddexp(0.0, epsilon * np.abs(coef).sum() - y_pm * z).sum()
    return C * loss + 0.5 * coef @ coef


def dask_glm_objective(X, y, coef, intercept, C=1.0):
    """dask-glm's own lbfgs objective, times C to share skadv's units.

    dask-glm minimises ``sum loss + ||beta||^2 / (2 C)`` over standardised
    columns with the intercept as one more column: the penalty falls on
    ``w * std`` and on the intercept of the standardised problem, ``b + w.mean``.
    """
    coef = np.ravel(np.asarray(coef, dtype=np.float64))
    b = float(np.ravel(intercept)[0])
    mean, std = X.mean(axis=0), X.std(axis=0)
    y_pm = np.where(y == 1, 1.0, -1.0)
    loss = np.logaddexp(0.0, -y_pm * (X @ coef + b)).sum()
    beta = np.r_[coef * std, b + coef @ mean]
    return C * loss + 0.5 * beta @ beta


def _dask_ml():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from dask_ml.linear_model import LogisticRegression
    except ImportError:
        return None
    return LogisticRegression


def _cluster(distributed):
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return cluster, distributed.Client(cluster)


def _persisted(distributed, *arrays):
    arrays = [a.persist() for a in arrays]
    distributed.wait(arrays)
    return arrays


def _warm_up(da, distributed, dask_ml):
    """Imports and compiled kernels in every worker, before anything is timed."""
    X, y = make_data(2_000, 5)
    Xd, yd = _persisted(distributed, da.from_array(X, 500), da.from_array(y, 500))
    model = AdversarialLogisticRegression(epsilon=0.0).fit(Xd, yd)
    AdversarialLogisticRegression(epsilon=0.1).fit(Xd, yd)
    AdversarialLogisticRegression(epsilon=0.0).fit(X, y)
    _ig(model, Xd)
    _ig(model, X)
    if dask_ml is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dask_ml(solver="lbfgs", max_iter=2).fit(Xd, yd)


def _ig(model, X):
    from skadv.inspection import integrated_gradients

    attributions = integrated_gradients(model, X)
    if hasattr(attributions, "persist"):
        # Computed and kept where the blocks are, as a later reduction needs.
        import distributed

        attributions = attributions.persist()
        distributed.wait(attributions)
    return attributions


def cluster_part(sizes, repeats):
    """Fits and IG on the cluster and in memory; the facts of the tables."""
    import dask.array as da
    import distributed

    n_rows, n_features, n_chunks = sizes[:3]
    dask_ml = _dask_ml()
    X, y = make_data(n_rows, n_features)
    chunk = -(-n_rows // n_chunks)
    facts = {"rows": n_rows, "features": n_features, "chunks": n_chunks}
    cluster, client = _cluster(distributed)
    try:
        _warm_up(da, distributed, dask_ml)
        facts["worker_numba_threads"] = sorted(
            client.run(lambda: __import__("numba").get_num_threads()).values()
        )
        Xd, yd = _persisted(
            distributed, da.from_array(X, (chunk, n_features)), da.from_array(y, chunk)
        )
        for where, data in (("dask", (Xd, yd)), ("memory", (X, y))):
            facts[where] = _fit_facts(
                X,
                y,
                repeats,
                lambda data=data: AdversarialLogisticRegression(epsilon=0.0).fit(*data),
            )
        facts["dask_tight"] = _fit_facts(
            X,
            y,
            repeats,
            lambda: AdversarialLogisticRegression(epsilon=0.0, tol=TIGHT_TOL).fit(
                Xd, yd
            ),
        )
        fitted = AdversarialLogisticRegression(epsilon=0.0).fit(X, y)
        if dask_ml is not None:
            facts["dask_ml"] = _dask_ml_facts(dask_ml, X, y, Xd, yd)
        facts["ig"] = {
            where: best_of(lambda data=data: _ig(fitted, data), repeats)[0]
            for where, data in (("dask", Xd), ("memory", X))
        }
        eager = _ig(fitted, X[:chunk])
        lazy = np.asarray(_ig(fitted, Xd).blocks[0].compute())
        facts["ig_max_abs_diff"] = float(np.max(np.abs(lazy - eager)))
    finally:
        client.close()
        cluster.close()
    return facts


def _fit_facts(X, y, repeats, fit):
    seconds, model = best_of(fit, repeats)
    return {
        "seconds": seconds,
        "objective": objective(X, y, model.coef_, model.intercept_),
        "glm_objective": dask_glm_objective(X, y, model.coef_, model.intercept_),
        "n_iter": int(np.max(model.n_iter_)),
        "coef": np.ravel(model.coef_).tolist(),
    }


def _dask_ml_facts(dask_ml, X, y, Xd, yd):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, model = best_of(lambda: dask_ml(solver="lbfgs").fit(Xd, yd), 1)
    return {
        "seconds": seconds,
        "objective": objective(X, y, model.coef_, model.intercept_),
        "glm_objective": dask_glm_objective(X, y, model.coef_, model.intercept_),
        "coef": np.ravel(model.coef_).tolist(),
        "intercept": float(np.ravel(model.intercept_)[0]),
    }


def write_on_disk(folder, n_rows, n_features, chunk):
    """A float32 array and its labels as npy stacks, written chunk by chunk."""
    import dask
    import dask.array as da

    rng = da.random.default_rng(0)
    w = np.random.default_rng(0).normal(size=n_features).astype(np.float32)
    X = rng.standard_normal((n_rows, n_features), chunks=(chunk, n_features))
    X = X.astype(np.float32)
    noise = rng.standard_normal(n_rows, chunks=chunk).astype(np.float32)
    with dask.config.set(scheduler="threads"):
        da.to_npy_stack(folder / "X", X)
        X = da.from_npy_stack(folder / "X")
        da.to_npy_stack(folder / "y", ((X @ w + 3.0 * noise) > 0).astype(np.int8))


def out_of_core_fit(folder):
    """Fit the on-disk array on the threaded scheduler; facts as a dict."""
    import dask
    import dask.array as da

    with dask.config.set(scheduler="threads"):
        X, y = da.from_npy_stack(folder / "X"), da.from_npy_stack(folder / "y")
        model = AdversarialLogisticRegression(epsilon=OOC_EPSILON)
        # Compiled kernels and imports are not what is measured.
        model.fit(X[: 2 * X.chunks[0][0]], y[: 2 * X.chunks[0][0]])
        with PeakResidentMemory() as memory:
            start = time.perf_counter()
            model.fit(X, y)
            seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "n_iter": int(np.max(model.n_iter_)),
        "peak_above_baseline": memory.peak_above_baseline,
        "baseline": memory.baseline,
        "chunk_bytes": int(X.chunks[0][0] * X.shape[1] * X.dtype.itemsize),
        "threads": dask.config.get("num_workers", None) or os.cpu_count(),
    }


def out_of_core_part(n_rows, n_features, chunk, where):
    """Write the array under ``where``, fit it in a fresh process, clean up."""
    needed = n_rows * n_features * 4 + n_rows
    free = shutil.disk_usage(where).free
    if needed + DISK_MARGIN > free:
        raise SystemExit(
            f"the on-disk array needs {needed / 1e9:.1f} GB and {where} has "
            f"{free / 1e9:.1f} GB free (keeping {DISK_MARGIN / 1e9:.0f} GB): pass "
            "a smaller --ooc-rows or another --ooc-dir"
        )
    folder = Path(tempfile.mkdtemp(prefix="bench_dask_", dir=where))
    try:
        start = time.perf_counter()
        write_on_disk(folder, n_rows, n_features, chunk)
        written = time.perf_counter() - start
        # A fresh process: its resident memory holds nothing of this one's.
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_dask", "--ooc-fit", str(folder)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"the out-of-core fit failed:\n{result.stderr[-3000:]}")
        facts = json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**facts, "rows": n_rows, "bytes": needed, "write_seconds": written}


def _versions():
    import dask
    import distributed

    names = [f"dask {dask.__version__}", f"distributed {distributed.__version__}"]
    try:
        from importlib.metadata import version

        names.append(f"dask-ml {version('dask-ml')}, dask-glm {version('dask-glm')}")
    except Exception:  # noqa: BLE001 -- any failure means "not installed"
        names.append("dask-ml not installed")
    return ", ".join(names)


def _yes(met):
    return "yes" if met else "**no**"


def summary_table(facts, ooc):
    dask_fit, memory = facts["dask"], facts["memory"]
    lines = [
        "| comparison | measured | target | met |",
        "| --- | ---: | --- | --- |",
    ]
    if "dask_ml" in facts:
        reference = facts["dask_ml"]
        for fact, which in ((dask_fit, "tol=1e-6"), (facts["dask_tight"], "tol=1e-8")):
            ratio = reference["seconds"] / fact["seconds"]
            gap = (fact["objective"] - reference["objective"]) / abs(
                reference["objective"]
            )
            lines += [
                f"| dask-ml time / skadv time ({which}), both on the cluster | "
                f"{ratio:.1f}x | ≥ {TARGETS['dask_ml']:.0f}x | "
                f"{_yes(ratio >= TARGETS['dask_ml'])} |",
                f"| skadv objective ({which}) − dask-ml objective, relative | "
                f"{gap:+.1e} | ≤ 0 | {_yes(gap <= 0)} |",
            ]
    else:
        lines.append("| dask-ml rows | skipped: dask-ml is not installed | | |")
    overhead = dask_fit["seconds"] / memory["seconds"]
    chunks = ooc["peak_above_baseline"] / ooc["chunk_bytes"]
    ig = facts["ig"]
    lines += [
        f"| skadv on dask time / skadv in memory time | {overhead:.2f}x | "
        f"≤ {TARGETS['overhead']:.0f}x | {_yes(overhead <= TARGETS['overhead'])} |",
        f"| out of core: peak resident memory above baseline, in chunks | "
        f"{chunks:.2f} | ≤ {TARGETS['chunks']:.0f} | "
        f"{_yes(chunks <= TARGETS['chunks'])} |",
        f"| lazy IG rows/s on the cluster / in memory | "
        f"{ig['memory'] / ig['dask']:.2f}x | none | |",
    ]
    return lines


def fit_table(facts):
    reference = np.asarray(facts["memory"]["coef"])
    rows = [
        ("skadv on dask (cluster)", facts["dask"]),
        (f"skadv on dask, tol={TIGHT_TOL:g} (cluster)", facts["dask_tight"]),
        ("skadv in memory (this process)", facts["memory"]),
    ]
    if "dask_ml" in facts:
        rows.append(("dask-ml lbfgs on dask (cluster)", facts["dask_ml"]))
    lowest = min(fact["objective"] for _, fact in rows)
    lines = [
        "| fit | time (s) | iterations | objective | above the lowest (relative) "
        "| dask-glm's objective | max abs coef − in-memory coef |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, fact in rows:
        diff = np.max(np.abs(np.asarray(fact["coef"]) - reference))
        above = (fact["objective"] - lowest) / abs(lowest)
        lines.append(
            f"| {name} | {fact['seconds']:.2f} | {fact.get('n_iter', 'n/a')} | "
            f"{fact['objective']:.12g} | {above:.1e} | "
            f"{fact['glm_objective']:.12g} | {diff:.1e} |"
        )
    return lines


def ig_table(facts):
    rows = facts["rows"]
    lines = ["| where | time (s) | rows/s |", "| --- | ---: | ---: |"]
    for where, name in (("dask", "lazy, on the cluster"), ("memory", "in memory")):
        seconds = facts["ig"][where]
        lines.append(f"| {name} | {seconds:.3f} | {rows / seconds:,.0f} |")
    return lines


def ooc_table(ooc, n_features, chunk):
    mb = 1e6
    return [
        "| rows × features (on disk) | chunk | epsilon | wall time (s) | "
        "iterations | peak resident memory above baseline | written in (s) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
        f"| {ooc['rows']:,} × {n_features} ({ooc['bytes'] / 1e9:.1f} GB) | "
        f"{chunk:,} rows ({ooc['chunk_bytes'] / mb:.0f} MB) | {OOC_EPSILON} | "
        f"{ooc['seconds']:.1f} | {ooc['n_iter']} | "
        f"{ooc['peak_above_baseline'] / mb:.0f} MB "
        f"({ooc['peak_above_baseline'] / ooc['chunk_bytes']:.2f} chunks) | "
        f"{ooc['write_seconds']:.1f} |",
    ]


def header(mode, facts, ooc, shrunk):
    n_rows, n_features, n_chunks = facts["rows"], facts["features"], facts["chunks"]
    ooc_note = (
        f" ({ooc['rows']:,} rows given with --ooc-rows instead of the mode's)"
        if shrunk
        else ""
    )
    return [
        "# skadv on dask arrays",
        "",
        *environment_lines(command_line("benchmarks.bench_dask"), environment()),
        f"- dask: {_versions()}",
        f"- sizes: {mode}: {n_rows:,} × {n_features} float64 in {n_chunks} row "
        f"chunks on the cluster; {ooc['rows']:,} × {n_features} float32 on "
        f"disk{ooc_note}. Columns standard normal, labels of a noisy linear rule.",
        "- cluster: one `distributed.LocalCluster(n_workers=2, threads_per_worker=1,"
        " processes=True)` for every cluster row, the data persisted on its "
        f"workers before timing; numba threads per worker: "
        f"{facts['worker_numba_threads']}. In-memory rows run in this process.",
        f"- times: fastest of {REPEATS[mode]} runs (dask-ml: one run), after an "
        "untimed warm-up that imports and compiles everything in every worker.",
        "- models: `AdversarialLogisticRegression(epsilon=0)` (C=1, tol=1e-6) and "
        "dask-ml's `LogisticRegression(solver='lbfgs')` at its defaults (C=1, "
        "tol=1e-4, max_iter=100).",
        "",
    ]


OBJECTIVE_NOTE = (
    "The objective is AdversarialLogisticRegression's, `C * sum_i log(1 + "
    "exp(-y_i (w.x_i + b))) + ||w||^2 / 2` at C = 1, evaluated in memory in "
    "float64 for every solution. dask-glm's lbfgs minimises `sum loss + "
    "||beta||^2 / (2 C)` with `lamduh = 1 / C`: the same weight on the L2 term "
    "at the same C, but over internally standardised columns and with the "
    "intercept as one more penalised coefficient. Its own objective (times C, "
    'to share the units) is the column "dask-glm\'s objective"; on standard '
    "normal columns the two differ by little more than the intercept's penalty."
)
OOC_NOTE = (
    "The out-of-core fit reads `da.from_npy_stack` on the threaded scheduler "
    "({threads} threads, no cluster) in a fresh process; resident memory is "
    "sampled every 5 ms "
    "(and the kernel's high-water mark, reset before the fit) and counted "
    "above its value right before the fit, after a warm-up fit on two chunks. "
    "After the first pass the operating system's page cache may hold the "
    "files; that memory belongs to no process."
)
IG_NOTE = (
    "IG is the exact linear form (zero baseline, predicted class) of the "
    "fitted model for every row; on the cluster the attributions are computed "
    "and kept on the workers (`persist`), in memory they form one array. "
    "The largest difference between a computed block and the same rows "
    "explained in memory is {diff:.1e}."
)


def main(argv=None):
    parser = benchmark_parser(
        __doc__,
        RESULTS / "dask.md",
        mode_help={
            "smoke": "20,000 x 20 in 4 chunks, 200,000 x 20 on disk; seconds",
            "quick": "200,000 x 100 in 10 chunks, 2e6 x 100 on disk; minutes",
        },
    )
    parser.add_argument(
        "--ooc-rows",
        type=int,
        default=None,
        help="rows of the on-disk array (default: the mode's); shrink for a small disk",
    )
    parser.add_argument(
        "--ooc-dir",
        type=Path,
        default=Path(tempfile.gettempdir()),
        help="folder for the on-disk array, removed after the run "
        "(default: %(default)s)",
    )
    parser.add_argument("--ooc-fit", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ooc_fit is not None:
        print(json.dumps(out_of_core_fit(args.ooc_fit)))
        return
    sizes = SIZES[args.mode]
    n_features = sizes[1]
    ooc_rows = sizes[3] if args.ooc_rows is None else args.ooc_rows
    chunk = min(sizes[4], ooc_rows)
    print("out-of-core fit ...", flush=True)
    ooc = out_of_core_part(ooc_rows, n_features, chunk, args.ooc_dir)
    print("fits and IG on the cluster ...", flush=True)
    facts = cluster_part(sizes, REPEATS[args.mode])
    text = "\n".join(
        header(args.mode, facts, ooc, args.ooc_rows is not None)
        + ["## Against the targets", "", *summary_table(facts, ooc), ""]
        + ["## Fits on the cluster and in memory", "", *fit_table(facts), ""]
        + [OBJECTIVE_NOTE, "", "## Out of core, on one machine", ""]
        + [*ooc_table(ooc, n_features, chunk), "", OOC_NOTE.format(**ooc), ""]
        + ["## Lazy Integrated Gradients", "", *ig_table(facts), ""]
        + [IG_NOTE.format(diff=facts["ig_max_abs_diff"]), ""]
        + [CLUSTER_NOTE, ""]
    )
    write_text(args.output, text)
    print(text)


CLUSTER_NOTE = (
    "On a cluster of several machines the same fit moves, per evaluation of "
    "the loss and its gradient, the coefficients (d + 2 floats) to every block "
    "and one partial sum (d + 3 floats) back from it; the blocks never move. "
    "The traffic per solver iteration is O(blocks × d), whatever the number "
    "of rows."
)


if __name__ == "__main__":
    main()
