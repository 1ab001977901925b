"""Wall time of ``skadv report`` by stage, on the bundled tables and a large mixed one.

The report cross-validates both paths (epsilon and lambda), refits the three
models and explains the test split. This measures the whole call,
:func:`skadv.generate_report`, stage by stage, on Mushroom, Spambase and a
generated mixed table (numeric and categorical columns, gaps, a near-constant
and an ID-like column, three classes) of 50,000 rows. Target: the 50,000-row
table in under 30 s on 2 cores.

Usage, from the repository root::

    python -m benchmarks.bench_report           # 50,000 generated rows
    python -m benchmarks.bench_report --quick   # 10,000 generated rows
    python -m benchmarks.bench_report --smoke --output /tmp/t.md   # seconds
"""

import tempfile
import time
from pathlib import Path

import numpy as np

import skadv

from ._cli import (
    RESULTS,
    benchmark_parser,
    command_line,
    environment,
    environment_lines,
    write_text,
)

#: name: rows of the generated table, and whether the bundled tables are run.
SIZES = {"smoke": (2_000, False), "quick": (10_000, True), "full": (50_000, True)}
STAGES = ("load", "sweep", "fit", "evaluate")
TARGET_SECONDS = 30.0


def mixed_table(n_rows, seed=0):
    """A table as users bring them: 6 numeric, 6 categorical, gaps, 3 classes."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n_rows, 6)) * [1, 2, 5, 0.5, 1, 10]
    columns = {f"num{j}": numeric[:, j] for j in range(6)}
    levels = [3, 5, 8, 12, 20, 40]
    codes = [rng.integers(0, k, size=n_rows) for k in levels]
    for j, (k, code) in enumerate(zip(levels, codes)):
        columns[f"cat{j}"] = np.array([f"v{i}" for i in range(k)], dtype=object)[code]
    columns["flag"] = np.where(rng.random(n_rows) < 0.97, "usual", "rare")
    columns["row_id"] = [f"R{i:07d}" for i in range(n_rows)]
    frame = pd.DataFrame(columns)
    for j in (1, 3):
        frame.loc[rng.random(n_rows) < 0.05, f"cat{j}"] = None
    frame.loc[rng.random(n_rows) < 0.03, "num2"] = np.nan
    score = (
        numeric[:, 0]
        + 0.3 * numeric[:, 1]
        + (codes[0] == 1)
        - 0.8 * (codes[2] < 2)
        + 0.5 * rng.normal(size=n_rows)
    )
    frame["label"] = np.select([score > 0.8, score < -0.6], ["high", "low"], "mid")
    return frame


def timed_report(data, out, **params):
    start = time.perf_counter()
    summary = skadv.generate_report(data, out=out, **params)
    return time.perf_counter() - start, summary


def row(name, seconds, summary):
    timing = summary["timing_s"]
    stages = " | ".join(f"{timing[s]:.1f}" for s in STAGES)
    # Figures and page are drawn after the summary's own clock stops.
    stages += f" | {seconds - timing['total']:.1f}"
    data = summary["dataset"]
    n_points = len(summary["frontier"]["adversarial"]["values"]) + len(
        summary["frontier"]["l1"]["values"]
    )
    models = summary["models"]
    return (
        f"| {name} | {data['n_samples']} | {data['n_encoded']} | "
        f"{len(data['class_names'])} | {n_points} | {stages} | {seconds:.1f} | "
        f"{summary['epsilon']:g} / {summary['l1_lambda']:g} | "
        f"{models['natural']['accuracy']:.3f} / "
        f"{models['adversarial']['accuracy']:.3f} | "
        f"{models['natural']['feature_gini']:.3f} / "
        f"{models['adversarial']['feature_gini']:.3f} |"
    )


def header(mode):
    n_rows, _ = SIZES[mode]
    return [
        "# Report benchmark",
        "",
        *environment_lines(command_line("benchmarks.bench_report"), environment()),
        "- call: `skadv.generate_report(data, out=tmp)` with its defaults: 8 "
        "epsilons and 8 lambdas, 3 folds, a 70/30 split, the mean baseline; one "
        "run per table (the report is one long call, not a micro-benchmark).",
        f"- generated table: {n_rows} rows, 6 numeric and 6 categorical columns "
        "(3 to 40 levels, 5% gaps in two of them, 3% in a numeric one), a "
        "near-constant column, an ID-like column (dropped by the report) and a "
        "3-class target.",
        f"- target: the generated table in under {TARGET_SECONDS:.0f} s.",
        "",
    ]


def main(argv=None):
    parser = benchmark_parser(
        __doc__,
        RESULTS / "report.md",
        mode_help={
            "smoke": "2,000 generated rows only; seconds",
            "quick": "10,000 generated rows and the bundled tables",
        },
    )
    args = parser.parse_args(argv)
    n_rows, bundled = SIZES[args.mode]
    table = [
        "| table | rows | encoded columns | classes | path points | load (s) "
        "| sweep (s) | fit (s) | explain (s) | write (s) | total (s) "
        "| chosen epsilon / lambda "
        "| accuracy natural / adversarial | feature Gini natural / adversarial |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| --- "
        "| --- | --- |",
    ]
    runs = [(f"generated ({n_rows} rows)", mixed_table(n_rows), {"target": "label"})]
    if bundled:
        runs = [("Mushroom", "mushroom", {}), ("Spambase", "spambase", {}), *runs]
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, data, params) in enumerate(runs):
            print(f"report on {name} ...", flush=True)
            seconds, summary = timed_report(data, Path(tmp) / f"r{k}", **params)
            table.append(row(name, seconds, summary))
            print(table[-1], flush=True)
            if name.startswith("generated"):
                met = "met" if seconds < TARGET_SECONDS else "missed"
                verdicts.append(
                    f"Target ({n_rows} rows under {TARGET_SECONDS:.0f} s): {met}, "
                    f"{seconds:.1f} s."
                )
    text = "\n".join(header(args.mode) + [*verdicts, "", *table, ""])
    write_text(args.output, text)
    print(text)


if __name__ == "__main__":
    main()
