"""The conciseness frontier: one warm-started call against two grid searches.

(a) ``conciseness_frontier`` on the adversarial path (epsilon) and the L1 path
(lambda, mean-loss convention) of ``StandardScaler + AdversarialLogisticRegression``
on Spambase, against the same grids, folds and scores through two
``GridSearchCV`` calls with ``refit=most_concise_within``: time ratio and whether
both choose the same points. (b) The frontier on Spambase (standardised) and
Mushroom (one-hot): both paths, and the Gini difference between them at equal
accuracy with its spread over the folds, at the encoded and the feature level.

Usage, from the repository root::

    python -m benchmarks.bench_frontier           # 20 + 20 points, 5 folds
    python -m benchmarks.bench_frontier --quick   # 10 + 10 points
    python -m benchmarks.bench_frontier --smoke --output /tmp/t.md   # seconds
"""

import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skadv.datasets import load_mushroom, load_spambase
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import make_robust_scorer
from skadv.model_selection import (
    conciseness_frontier,
    conciseness_scoring,
    most_concise_within,
)

from ._cli import (
    RESULTS,
    benchmark_parser,
    command_line,
    environment,
    environment_lines,
    write_text,
)

TOLERANCE = 0.02
#: name: (points per path, folds, rows kept per data set or None for all)
SIZES = {"smoke": (3, 3, 300), "quick": (10, 5, None), "full": (20, 5, None)}
#: Timed runs of each route in part (a); the fastest counts.
REPEATS = {"smoke": 1, "quick": 3, "full": 3}
STEP = "adversariallogisticregression"


def grids(n_points):
    """The epsilons (0, then geometric) and the lambdas of both paths."""
    epsilons = np.r_[0.0, np.geomspace(1e-3, 0.5, n_points - 1)]
    return epsilons, np.geomspace(1e-4, 0.3, n_points)


def load(name, n_rows, n_folds):
    """Data, the pipeline that learns on it, and folds of equal training size."""
    loader = load_spambase if name == "Spambase" else load_mushroom
    X, y = loader(return_X_y=True)
    if n_rows is not None:
        keep = np.random.default_rng(0).permutation(len(y))[:n_rows]
        X, y = X[keep], y[keep]
    # The L1 grid search sets one C = 1 / (lambda * n_train) for every fold:
    # equal training sizes make it the frontier's C on each fold.
    n = len(y) - len(y) % n_folds
    X, y = X[:n], y[:n]
    head = (
        StandardScaler()
        if name == "Spambase"
        else OneHotEncoder(handle_unknown="ignore")
    )
    pipe = make_pipeline(head, AdversarialLogisticRegression())
    cv = StratifiedKFold(n_folds, shuffle=True, random_state=0)
    splits = list(cv.split(X, y))
    sizes = {len(train) for train, _ in splits}
    if len(sizes) != 1:
        raise RuntimeError(f"unequal training folds {sizes}; cannot match C")
    return X, y, pipe, splits, sizes.pop()


def timed(function):
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def run_frontier(X, y, pipe, splits, epsilons, lambdas):
    return timed(
        lambda: conciseness_frontier(
            pipe,
            X,
            y,
            epsilons=epsilons,
            l1_lambdas=lambdas,
            cv=splits,
            robust_epsilon=float(np.median(epsilons)),
            tolerance=TOLERANCE,
        )
    )


def run_searches(X, y, pipe, splits, epsilons, lambdas, n_train):
    scoring = {
        **conciseness_scoring(),
        "robust_accuracy": make_robust_scorer(epsilon=float(np.median(epsilons))),
    }
    adversarial = {f"{STEP}__epsilon": list(epsilons), f"{STEP}__l1_ratio": [0.0]}
    l1 = {
        f"{STEP}__C": [1.0 / (lam * n_train) for lam in lambdas],
        f"{STEP}__epsilon": [0.0],
        f"{STEP}__l1_ratio": [1.0],
    }

    def search(grid):
        refit = most_concise_within(TOLERANCE)
        return GridSearchCV(pipe, grid, scoring=scoring, cv=splits, refit=refit)

    seconds_a, a = timed(lambda: search(adversarial).fit(X, y))
    seconds_l, b = timed(lambda: search(l1).fit(X, y))
    return seconds_a + seconds_l, a, b


def warm_up(X, y, pipe, splits, epsilons, lambdas):
    """One untimed pass of both routes: compiled kernels and imports are ready."""
    # Spambase is sorted by class: a random sample holds both.
    train = np.random.default_rng(0).permutation(splits[0][0])[:200]
    small = [(np.arange(100), np.arange(100, 200))]
    run_frontier(X[train], y[train], pipe, small, epsilons[:2], lambdas[:2])
    run_searches(X[train], y[train], pipe, small, epsilons[:2], lambdas[:2], 100)


def cold_iterations(X, y, pipe, splits, epsilons, lambdas, n_train):
    """Solver iterations of fitting every point from scratch (untimed)."""
    settings = [{"epsilon": e, "l1_ratio": 0.0} for e in epsilons] + [
        {"epsilon": 0.0, "l1_ratio": 1.0, "C": 1.0 / (lam * n_train)} for lam in lambdas
    ]
    total = 0
    for train, _ in splits:
        Xt = clone(pipe[:-1]).fit_transform(X[train], y[train])
        for params in settings:
            model = clone(pipe[-1]).set_params(**params).fit(Xt, y[train])
            total += int(np.sum(model.n_iter_))
    return total


def compare(name, sizes, repeats):
    """Part (a): times (fastest of ``repeats``), and the points both routes choose."""
    n_points, n_folds, n_rows = sizes
    X, y, pipe, splits, n_train = load(name, n_rows, n_folds)
    epsilons, lambdas = grids(n_points)
    warm_up(X, y, pipe, splits, epsilons, lambdas)
    t_frontier, t_search = np.inf, np.inf
    for _ in range(repeats):
        seconds, result = run_frontier(X, y, pipe, splits, epsilons, lambdas)
        t_frontier = min(t_frontier, seconds)
        seconds, a, b = run_searches(X, y, pipe, splits, epsilons, lambdas, n_train)
        t_search = min(t_search, seconds)
    warm = sum(int(result.scores[p]["n_iter"].sum()) for p in ("adversarial", "l1"))
    cold = cold_iterations(X, y, pipe, splits, epsilons, lambdas, n_train)
    chosen = result.select_indices()
    search_eps = a.best_params_[f"{STEP}__epsilon"]
    search_lam = 1.0 / (b.best_params_[f"{STEP}__C"] * n_train)
    frontier_eps = epsilons[chosen["adversarial"]]
    frontier_lam = lambdas[chosen["l1"]]
    same = bool(
        np.isclose(search_eps, frontier_eps) and np.isclose(search_lam, frontier_lam)
    )
    row = (
        f"| {name} ({len(y)} rows) | {n_points} + {n_points} | {n_folds} | "
        f"{t_frontier:.2f} | {t_search:.2f} | {t_search / t_frontier:.1f} | "
        f"{frontier_eps:.4g} / {search_eps:.4g} | "
        f"{frontier_lam:.4g} / {search_lam:.4g} | {'yes' if same else 'no'} | "
        f"{warm} / {cold} |"
    )
    return row, result


def _pm(mean, std, digits=3):
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def path_table(result):
    lines = [
        "| path | epsilon | lambda | accuracy | robust accuracy | Gini (encoded) "
        "| Gini (features) | non-zero weights | one class on a fold | selected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for _, r in result.to_frame().iterrows():
        lines.append(
            f"| {r['path']} | {r['epsilon']:.4g} | {r['l1_lambda']:.4g} | "
            f"{_pm(r['mean_accuracy'], r['std_accuracy'])} | "
            f"{_pm(r['mean_robust_accuracy'], r['std_robust_accuracy'])} | "
            f"{_pm(r['mean_gini'], r['std_gini'])} | "
            f"{_pm(r['mean_feature_gini'], r['std_feature_gini'])} | "
            f"{r['mean_n_nonzero']:.1f} | {'yes' if r['any_single_class'] else ''} | "
            f"{'**yes**' if r['selected'] else ''} |"
        )
    return lines


def equal_accuracy_row(name, result):
    cells = [name]
    for level in ("gini", "feature_gini"):
        try:
            c = result.at_equal_accuracy(conciseness=level)
        except ValueError as exc:
            cells += [f"not comparable: {exc}", ""]
            continue
        low, high = c.accuracy_range
        cells += [f"{low:.3f} to {high:.3f}", _pm(c.difference, c.difference_std)]
    return "| " + " | ".join(cells) + " |"


def frontier_section(name, sizes, result=None):
    """Part (b): one data set's frontier (reusing part (a)'s when given)."""
    n_points, n_folds, n_rows = sizes
    if result is None:
        X, y, pipe, splits, _ = load(name, n_rows, n_folds)
        epsilons, lambdas = grids(n_points)
        _, result = run_frontier(X, y, pipe, splits, epsilons, lambdas)
    return result, [f"### {name}", "", *path_table(result), ""]


def header(mode, sizes):
    n_points, n_folds, _ = sizes
    return [
        "# Conciseness frontier benchmark",
        "",
        *environment_lines(command_line("benchmarks.bench_frontier"), environment()),
        f"- sizes: {mode}: {n_points} epsilons (0, then geometric from 1e-3 to 0.5) "
        f"and {n_points} lambdas (geometric from 1e-4 to 0.3), {n_folds} shuffled "
        "stratified folds (seed 0), rows cut to a multiple of the folds so that every "
        "training fold has the same size.",
        "- models: `StandardScaler` (Spambase) or `OneHotEncoder` (Mushroom) + "
        "`AdversarialLogisticRegression` (C=1, tol=1e-6). Adversarial path: "
        "l1_ratio=0; L1 path: epsilon=0, l1_ratio=1, C = 1/(lambda * n_train).",
        "- scores: accuracy, robust accuracy at the median epsilon of the grid, "
        "mean Gini index of the exact IG of the true class (zero baseline) over the "
        "encoded columns and over the original features, non-zero weights. "
        f"Selection: most_concise_within(tolerance={TOLERANCE}) on each path.",
        "- grid searches: the same folds and grids, scoring = "
        "`conciseness_scoring()` + robust accuracy, `refit=most_concise_within`; "
        "their time includes the refit of the chosen point on all rows. Both run "
        "on one process (n_jobs=None); times are the fastest of "
        f"{REPEATS[mode]} runs of each, after one untimed warm-up of both.",
        "",
    ]


def main(argv=None):
    parser = benchmark_parser(
        __doc__,
        RESULTS / "frontier.md",
        mode_help={
            "smoke": "300 rows, 3 + 3 points, 3 folds; seconds",
            "quick": "10 + 10 points, 5 folds, all rows",
        },
    )
    args = parser.parse_args(argv)
    sizes = SIZES[args.mode]
    table = [
        "| data | points | folds | frontier (s) | two GridSearchCV (s) | ratio "
        "| selected epsilon (frontier / search) | selected lambda (frontier / "
        "search) | same points | solver iterations (warm path / every point "
        "from scratch) |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | ---: |",
    ]
    print("comparing on Spambase ...", flush=True)
    row, spambase = compare("Spambase", sizes, REPEATS[args.mode])
    table.append(row)
    print(row, flush=True)
    sections, results = [], {}
    for name, reuse in (("Spambase", spambase), ("Mushroom", None)):
        print(f"frontier on {name} ...", flush=True)
        results[name], lines = frontier_section(name, sizes, reuse)
        sections += lines
    equal = [
        "| data | accuracy range (encoded) | Gini adversarial − L1 (encoded) "
        "| accuracy range (features) | Gini adversarial − L1 (features) |",
        "| --- | --- | ---: | --- | ---: |",
        *(equal_accuracy_row(name, result) for name, result in results.items()),
    ]
    text = "\n".join(
        header(args.mode, sizes)
        + ["## (a) One frontier call against two grid searches", "", *table, ""]
        + ["## (b) Gini at equal accuracy", "", *equal, ""]
        + [EQUAL_NOTE, "", "## The paths", "", *sections]
    )
    write_text(args.output, text)
    print(text)


EQUAL_NOTE = (
    "Each path is reduced to its upper frontier of valid points (not one class on "
    "any fold, mean accuracy above the majority rate) in the plane of mean "
    "accuracy and mean Gini, interpolated linearly at 21 accuracies spanning the "
    "range both frontiers cover; the difference is averaged over them. ± is the "
    "standard deviation over the folds of the same difference computed on each "
    "fold's own scores."
)


if __name__ == "__main__":
    main()
