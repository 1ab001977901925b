"""Benchmark skadv.integrated_gradients against captum's IntegratedGradients.

Three measurements, each against a baseline measured in the same run:

1. Throughput (rows/s) on a torch MLP at equal ``n_steps`` (Gauss-Legendre), skadv
   vs captum, both evaluating every (row, step) point in one batch.
2. Throughput on a fitted AdversarialLogisticRegression (Mushroom, one-hot): the
   exact form of Lemma 4.1 vs captum's quadrature on the same linear model (a
   float64 torch module with the fitted weights) and vs skadv's own quadrature.
3. Peak memory of one call with and without ``internal_batch_size``, measured in
   a fresh subprocess per configuration as the rise of the peak resident set
   size (Linux ``VmHWM``, reset just before the call) above the resident size
   just before the call, so numpy and torch allocations both count.
4. A plain scikit-learn ``LogisticRegression``: skadv's exact form
   (``method="exact"``) against captum on a ``torch.nn.Linear`` holding the same
   weights, on the same rows: binary (Mushroom, one-hot) in probability and in
   logit, and multinomial (digits) in logit. captum's quadrature is exact up to
   rounding for a logit, whose gradient is constant along the path, and only
   approximate for a probability.

Usage, from the repository root::

    python -m benchmarks.bench_ig            # full sizes
    python -m benchmarks.bench_ig --quick    # smaller sizes, same table layout
    python -m benchmarks.bench_ig --smoke --output /tmp/ig.md   # seconds

Writes ``benchmarks/results/ig.md`` unless ``--output`` says otherwise.
"""

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from ._cli import (
    RESULTS,
    ROOT,
    benchmark_parser,
    command_line,
    environment,
    environment_lines,
    write_text,
)
from ._paper_constants import TABULAR_EPSILON

MODULE = "benchmarks.bench_ig"
SIZES = {
    # IG steps, timing repeats, rows of the MLP, linear and memory measurements,
    # internal batch size of the memory measurement; the scikit-learn
    # measurement takes linear_rows rows of each data set (digits has 1797)
    "smoke": dict(
        steps=8, repeats=1, mlp_rows=8, linear_rows=200, memory_rows=16, batch=40
    ),
    "quick": dict(
        steps=50, repeats=3, mlp_rows=64, linear_rows=2000, memory_rows=256, batch=1000
    ),
    "full": dict(
        steps=50,
        repeats=5,
        mlp_rows=256,
        linear_rows=8124,
        memory_rows=1024,
        batch=1000,
    ),
}


def _best_time(fn, repeats):
    fn()  # warm-up: first calls pay for lazy imports and allocator growth
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _mlp(n_features, seed=0):
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(n_features, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 10),
    )


def _mlp_data(n_rows, n_features):
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n_rows, n_features)).astype(np.float32)
    return X, rng.integers(0, 10, n_rows)


def bench_mlp(n_rows, n_steps, repeats):
    import torch
    from captum.attr import IntegratedGradients

    from skadv.inspection import integrated_gradients

    net = _mlp(784)
    X, target = _mlp_data(n_rows, 784)
    captum_ig = IntegratedGradients(lambda x: torch.softmax(net(x), dim=1))
    X_t, target_t = torch.tensor(X), torch.tensor(target)

    def run_captum():
        return captum_ig.attribute(
            X_t, target=target_t, n_steps=n_steps, method="gausslegendre"
        )

    def run_skadv():
        return integrated_gradients(net, X, target=target, n_steps=n_steps)

    diff = np.abs(run_captum().numpy() - run_skadv()).max()
    t_captum = _best_time(run_captum, repeats)
    t_skadv = _best_time(run_skadv, repeats)
    return {
        "model": f"MLP 784-256-256-10 (float32), {n_rows} rows",
        "n_steps": n_steps,
        "captum": n_rows / t_captum,
        "skadv": n_rows / t_skadv,
        "max_abs_diff": diff,
    }


def _mushroom_model():
    from sklearn.preprocessing import OneHotEncoder

    from skadv.datasets import load_mushroom
    from skadv.linear_model import AdversarialLogisticRegression

    X, y = load_mushroom(return_X_y=True)
    X_enc = OneHotEncoder(sparse_output=False).fit_transform(X)
    model = AdversarialLogisticRegression(epsilon=TABULAR_EPSILON).fit(X_enc, y)
    return model, X_enc, y


def bench_linear(n_rows, n_steps, repeats):
    import torch
    from captum.attr import IntegratedGradients

    from skadv.inspection import integrated_gradients

    model, X, y = _mushroom_model()
    X, y = X[:n_rows], y[:n_rows]
    linear = torch.nn.Linear(X.shape[1], 1).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(model.coef_))
        linear.bias.copy_(torch.tensor(model.intercept_))
    # Probability of class 1, the output skadv attributes for target 1.
    captum_ig = IntegratedGradients(lambda x: torch.sigmoid(linear(x)))
    X_t = torch.tensor(X)

    def run_captum():
        return captum_ig.attribute(X_t, target=0, n_steps=n_steps)

    def run_exact():
        return integrated_gradients(model, X, target=1, method="exact")

    def run_quadrature():
        return integrated_gradients(
            model, X, target=1, method="gausslegendre", n_steps=n_steps
        )

    diff = np.abs(run_captum().numpy() - run_exact()).max()
    t_captum = _best_time(run_captum, repeats)
    t_exact = _best_time(run_exact, repeats)
    t_quad = _best_time(run_quadrature, repeats)
    return {
        "model": f"AdversarialLogisticRegression, Mushroom one-hot "
        f"({X.shape[1]} columns), {n_rows} rows",
        "n_steps": n_steps,
        "captum": n_rows / t_captum,
        "skadv_quadrature": n_rows / t_quad,
        "skadv_exact": n_rows / t_exact,
        "max_abs_diff": diff,
    }


def _torch_linear(coef, intercept):
    """A float64 ``torch.nn.Linear`` computing ``X @ coef.T + intercept``."""
    import torch

    linear = torch.nn.Linear(coef.shape[1], coef.shape[0]).double()
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(coef))
        linear.bias.copy_(torch.tensor(intercept))
    return linear


def _sklearn_cases(n_rows):
    """(name, fitted LogisticRegression, X, class index per row) of each case."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression

    _, X_mush, y_mush = _mushroom_model()
    binary = LogisticRegression(max_iter=1000).fit(X_mush, y_mush)
    X_dig, y_dig = load_digits(return_X_y=True)
    X_dig = X_dig / 16
    multinomial = LogisticRegression(max_iter=1000).fit(X_dig, y_dig)
    rows = slice(0, n_rows)
    return [
        (
            f"binary, Mushroom one-hot ({X_mush.shape[1]} columns)",
            binary,
            X_mush[rows],
            np.searchsorted(binary.classes_, y_mush[rows]),
        ),
        (
            f"multinomial, digits ({X_dig.shape[1]} columns, 10 classes)",
            multinomial,
            X_dig[rows],
            np.searchsorted(multinomial.classes_, y_dig[rows]),
        ),
    ]


def _captum_forward(linear, output, binary):
    """The function of the inputs captum attributes, one column per class."""
    import torch

    if not binary:
        return linear
    if output == "logit":
        # Class 0 of a binary model is attributed the negated decision value.
        return lambda x: torch.cat([-linear(x), linear(x)], dim=1)
    return lambda x: torch.cat(
        [torch.sigmoid(-linear(x)), torch.sigmoid(linear(x))], dim=1
    )


def _sklearn_case(model, X, target, output, n_steps, repeats):
    """Time skadv's exact IG and captum's on one model, output and set of rows."""
    import torch
    from captum.attr import IntegratedGradients

    from skadv.inspection import integrated_gradients

    binary = len(model.classes_) == 2
    linear = _torch_linear(model.coef_, model.intercept_)
    captum_ig = IntegratedGradients(_captum_forward(linear, output, binary))
    X_t, target_t = torch.tensor(X), torch.tensor(target)

    def run_captum():
        return captum_ig.attribute(X_t, target=target_t, n_steps=n_steps)

    def run_exact():
        return integrated_gradients(
            model, X, target=target, output=output, method="exact"
        )

    diff = np.abs(run_captum().detach().numpy() - run_exact()).max()
    t_captum = _best_time(run_captum, repeats)
    t_exact = _best_time(run_exact, repeats)
    return {
        "output": output,
        "n_steps": n_steps,
        "captum": len(X) / t_captum,
        "skadv_exact": len(X) / t_exact,
        "max_abs_diff": diff,
    }


def bench_sklearn(n_rows, n_steps, repeats):
    results = []
    for name, model, X, target in _sklearn_cases(n_rows):
        # A multinomial model's probability is its softmax, not linear in one
        # logit, so only its logit has the exact form.
        outputs = ("proba", "logit") if len(model.classes_) == 2 else ("logit",)
        for output in outputs:
            row = _sklearn_case(model, X, target, output, n_steps, repeats)
            results.append(
                {"model": f"LogisticRegression, {name}, {len(X)} rows", **row}
            )
    return results


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def _reset_peak_rss():
    # Writing 5 to clear_refs resets the peak resident size (VmHWM) on Linux.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def memory_worker(config):
    """Run one configuration in this process and print its peak memory rise."""
    import torch

    torch.set_num_threads(1)
    from captum.attr import IntegratedGradients

    from skadv.inspection import integrated_gradients

    net = _mlp(784)
    X, target = _mlp_data(config["n_rows"], 784)
    batch = config["batch"]
    if config["library"] == "captum":
        ig = IntegratedGradients(lambda x: torch.softmax(net(x), dim=1))
        X_t, target_t = torch.tensor(X), torch.tensor(target)

        def run():
            ig.attribute(
                X_t,
                target=target_t,
                n_steps=config["n_steps"],
                internal_batch_size=batch,
            )
    else:

        def run():
            integrated_gradients(
                net,
                X,
                target=target,
                n_steps=config["n_steps"],
                internal_batch_size=batch,
            )

    net(torch.tensor(X[:2]))  # load kernels before measuring
    _reset_peak_rss()
    before = _status_kib("VmRSS")
    run()
    peak = _status_kib("VmHWM")
    print(json.dumps({"rise_mib": max(peak - before, 0) / 1024}))


def bench_memory(n_rows, n_steps, batch):
    rows = []
    for library in ("captum", "skadv"):
        for b in (None, batch):
            config = {
                "library": library,
                "batch": b,
                "n_rows": n_rows,
                "n_steps": n_steps,
            }
            out = subprocess.run(
                [sys.executable, "-m", MODULE, "--memory-worker", json.dumps(config)],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            rise = json.loads(out.stdout.strip().splitlines()[-1])["rise_mib"]
            rows.append((library, b, rise))
    return rows


def _targets(mlp, linear):
    """The targets of the two throughput measurements, and whether they are met."""
    return [
        "Targets: skadv at least as fast as captum on the MLP "
        f"({'met' if mlp['skadv'] >= mlp['captum'] else 'NOT met'}: "
        f"{mlp['skadv'] / mlp['captum']:.2f}x); exact linear form at least 100x "
        "faster than quadrature "
        f"({'met' if linear['skadv_exact'] >= 100 * linear['captum'] else 'NOT met'}"
        f": {linear['skadv_exact'] / linear['captum']:.0f}x captum, "
        f"{linear['skadv_exact'] / linear['skadv_quadrature']:.0f}x skadv's own "
        "Gauss-Legendre).",
        "",
    ]


def _sklearn_lines(sklearn):
    """The section of the scikit-learn measurement."""
    lines = [
        "## scikit-learn LogisticRegression: exact form vs captum on the same weights",
        "",
        'skadv explains the fitted scikit-learn model (`method="exact"`); captum '
        "explains a float64 `torch.nn.Linear` holding its `coef_` and "
        "`intercept_`, Gauss-Legendre at the given n_steps; both attribute each "
        "row's true class. In logit the gradient is constant along the path, so "
        "any quadrature is exact up to rounding; in probability captum's is an "
        "approximation, whose error at 50 Gauss-Legendre nodes is below that "
        "rounding. captum multiplies the gradients by its quadrature weights in "
        "float32, so in both outputs it agrees with the exact form only to about "
        "float32 precision relative to the attributions.",
        "",
        "| model | output | n_steps | captum rows/s | skadv exact rows/s "
        "| exact / captum | max abs diff |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sklearn:
        lines.append(
            f"| {row['model']} | {row['output']} | {row['n_steps']} | "
            f"{row['captum']:.0f} | {row['skadv_exact']:.0f} | "
            f"{row['skadv_exact'] / row['captum']:.0f}x | "
            f"{row['max_abs_diff']:.1e} |"
        )
    return [*lines, ""]


def render(mlp, linear, memory, mode, argv, sklearn=()):
    """The results file; ``argv`` are the arguments of the command shown."""
    title = "# Integrated Gradients: skadv vs captum"
    sizes = SIZES[mode]
    lines = [
        title
        + (" (SMOKE run: tiny sizes, meaningless numbers)" if mode == "smoke" else ""),
        "",
        *environment_lines(command_line(MODULE, argv), environment()),
        "",
        "Throughput is rows explained per second, best of "
        f"{sizes['repeats']} runs after a warm-up; ratios are against captum in "
        "the same run. `max abs diff` is the largest absolute difference between "
        "the two libraries' attributions (float32 MLP, float64 linear model).",
        "",
        *_targets(mlp, linear),
        "## Torch MLP, Gauss-Legendre at equal n_steps",
        "",
        "| model | n_steps | captum rows/s | skadv rows/s | skadv / captum "
        "| max abs diff |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| {mlp['model']} | {mlp['n_steps']} | {mlp['captum']:.1f} | "
        f"{mlp['skadv']:.1f} | {mlp['skadv'] / mlp['captum']:.2f}x | "
        f"{mlp['max_abs_diff']:.1e} |",
        "",
        "## Linear model: exact form (Lemma 4.1) vs quadrature",
        "",
        "| model | n_steps | captum rows/s | skadv quadrature rows/s | skadv exact "
        "rows/s | exact / captum | max abs diff (exact vs captum) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {linear['model']} | {linear['n_steps']} | {linear['captum']:.0f} | "
        f"{linear['skadv_quadrature']:.0f} | {linear['skadv_exact']:.0f} | "
        f"{linear['skadv_exact'] / linear['captum']:.0f}x | "
        f"{linear['max_abs_diff']:.1e} |",
        "",
        *(_sklearn_lines(sklearn) if sklearn else []),
        "## Peak memory of one call (MLP above)",
        "",
        f"{sizes['memory_rows']} rows, n_steps={sizes['steps']}, one torch thread, "
        "one fresh process per row of the table; rise of the peak resident set "
        "size above the resident size just before the call.",
        "",
        "| library | internal_batch_size | peak memory rise (MiB) | vs same library "
        "unbatched |",
        "| --- | ---: | ---: | ---: |",
    ]
    unbatched = {lib: rise for lib, b, rise in memory if b is None}
    for lib, b, rise in memory:
        ratio = rise / unbatched[lib] if unbatched[lib] > 0 else float("nan")
        lines.append(
            f"| {lib} | {'None' if b is None else b} | {rise:.1f} | {ratio:.2f}x |"
        )
    lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = benchmark_parser(
        __doc__,
        RESULTS / "ig.md",
        mode_help={
            "quick": "smaller sizes",
            "smoke": "tiny sizes, meaningless numbers",
        },
    )
    parser.add_argument("--memory-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_worker:
        memory_worker(json.loads(args.memory_worker))
        return
    sizes = SIZES[args.mode]
    mlp = bench_mlp(sizes["mlp_rows"], sizes["steps"], sizes["repeats"])
    print(mlp, flush=True)
    linear = bench_linear(sizes["linear_rows"], sizes["steps"], sizes["repeats"])
    print(linear, flush=True)
    sklearn = bench_sklearn(sizes["linear_rows"], sizes["steps"], sizes["repeats"])
    print(sklearn, flush=True)
    memory = bench_memory(sizes["memory_rows"], sizes["steps"], sizes["batch"])
    print(memory, flush=True)
    text = render(mlp, linear, memory, args.mode, argv, sklearn)
    write_text(args.output, text)
    print(text)


if __name__ == "__main__":
    main()
