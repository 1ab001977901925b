"""Training cost of AdversarialMLPClassifier on MNIST, against baselines run alongside.

Two measurements, each against a baseline timed in the same run on the same device:

1. Framework overhead: seconds per epoch of ``AdversarialMLPClassifier`` with PGD
   (the paper's schedule at eps = 0.1: 20 steps of 0.01, random start, clip to
   [0, 1]) against a bare hand-written torch loop doing the same work on the same
   network, data and device (target: ratio <= 1.05). Runs alternate between the
   two so that load from other jobs hits both alike; the table reports medians.
2. Fast adversarial training: FGSM (random start, step 1.25 eps) against PGD-k
   training for the same number of epochs, with robust accuracy measured by a
   20-step PGD attack on held-out images (target: >= 5x faster, robust accuracy
   within 3 points).

Usage, from the repository root::

    python -m benchmarks.bench_nets --quick   # a few minutes on 2 CPU cores
    python -m benchmarks.bench_nets           # larger subsets, the paper's CNN
    python -m benchmarks.bench_nets --smoke --output /tmp/t.md   # seconds

MNIST is read from ``$SKADV_DATA`` (else ``shared/data`` beside the checkout)
unless ``--data-home`` names another folder; ``--checksums`` vouches for a copy
that is not the published one (see ``_image_data.py``).
"""

import statistics
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from skadv.metrics import robust_accuracy_score
from skadv.neural_network import AdversarialMLPClassifier

from ._cli import (
    RESULTS,
    benchmark_parser,
    command_line,
    device_description,
    environment,
    environment_lines,
    write_text,
)
from ._image_data import add_data_arguments, load_split
from ._paper_constants import IMAGE_BATCH_SIZE, PGD_STEP_SIZE, pgd_steps

EPS = 0.1
# The paper's PGD at EPS, in training and in the evaluation attack.
PGD_STEPS = pgd_steps(EPS)
SETTINGS = {
    # n_train, n_test, architecture, overhead repeats, epochs per overhead run,
    # epochs of the fgsm-vs-pgd fits
    "smoke": dict(n_train=300, n_test=100, arch="mlp", repeats=1, epochs=1, fits=1),
    "quick": dict(n_train=5000, n_test=1000, arch="mlp", repeats=5, epochs=2, fits=8),
    "full": dict(n_train=20000, n_test=2000, arch="cnn", repeats=3, epochs=1, fits=10),
}
HIDDEN = (256,)
BATCH = IMAGE_BATCH_SIZE
LR = 1e-3


def load(n_train, n_test, data_home=None, checksums=None):
    X, y = load_split("mnist", "train", data_home, checksums)
    X_test, y_test = load_split("mnist", "test", data_home, checksums)
    rng = np.random.default_rng(0)
    train = rng.choice(len(X), n_train, replace=False)
    test = rng.choice(len(X_test), n_test, replace=False)
    return X[train], y[train], X_test[test], y_test[test]


def estimator(arch, **params):
    return AdversarialMLPClassifier(
        epsilon=EPS,
        hidden_layer_sizes=HIDDEN,
        architecture=arch,
        clip=(0.0, 1.0),
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        tol=0.0,
        device="auto",
        random_state=0,
        **params,
    )


def clock():
    """Process CPU seconds on the CPU (robust to other jobs on a shared machine,
    with one torch thread), wall seconds on a GPU."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time()


def bare_pgd_epochs(module, X, y, epochs, device, seed):
    """The reference: a plain torch PGD training loop, no estimator around it."""
    gen = torch.Generator().manual_seed(seed)
    attack_gen = torch.Generator(device=device).manual_seed(seed)
    X_t = torch.as_tensor(X, dtype=torch.float32, device=device)
    y_t = torch.as_tensor(y, dtype=torch.long, device=device)
    optimizer = torch.optim.Adam(module.parameters(), lr=LR)
    steps, step = PGD_STEPS, PGD_STEP_SIZE
    for _ in range(epochs):
        order = torch.randperm(len(X_t), generator=gen).to(device)
        for start in range(0, len(X_t), BATCH):
            index = order[start : start + BATCH]
            xb, yb = X_t[index], y_t[index]
            low = torch.clamp(xb - EPS, min=0.0)
            high = torch.clamp(xb + EPS, max=1.0)
            noise = torch.rand(xb.shape, generator=attack_gen, device=device)
            x_adv = torch.clamp(xb + (2 * noise - 1) * EPS, low, high)
            module.eval()
            for _ in range(steps):
                x_adv.requires_grad_(True)
                loss = F.cross_entropy(module(x_adv), yb, reduction="sum")
                (grad,) = torch.autograd.grad(loss, x_adv)
                x_adv = torch.clamp(x_adv.detach() + step * grad.sign(), low, high)
            module.train()
            loss = F.cross_entropy(module(x_adv), yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


def overhead(cfg, data):
    X, y = data[0], data[1]
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    skadv_times, bare_times = [], []
    template = estimator(cfg["arch"], max_iter=1).fit(X[:BATCH], y[:BATCH])
    for repeat in range(cfg["repeats"]):
        clf = estimator(cfg["arch"], max_iter=cfg["epochs"])
        start = clock()
        clf.fit(X, y)
        skadv_times.append((clock() - start) / clf.n_iter_)

        # float32 like the MNIST pixels, so both loops compute alike
        module = template._build_module(repeat, torch.float32).to(device)
        start = clock()
        bare_pgd_epochs(module, X, y, cfg["epochs"], device, repeat)
        bare_times.append((clock() - start) / cfg["epochs"])
    return statistics.median(skadv_times), statistics.median(bare_times), device


def fgsm_vs_pgd(cfg, data):
    X, y, X_test, y_test = data
    rows = []
    for attack in (None, "fgsm", "pgd"):
        clf = estimator(cfg["arch"], attack=attack, max_iter=cfg["fits"])
        start = clock()
        clf.fit(X, y)
        seconds = clock() - start
        robust = robust_accuracy_score(
            clf,
            X_test,
            y_test,
            epsilon=EPS,
            steps=PGD_STEPS,
            step_size=PGD_STEP_SIZE,
            random_state=0,
        )
        rows.append((attack or "natural", seconds, clf.score(X_test, y_test), robust))
    return rows


def render(mode, cfg, over, rows, argv):
    """The results file; ``argv`` are the arguments of the command shown."""
    skadv_epoch, bare_epoch, device = over
    times = {name: (sec, clean, rob) for name, sec, clean, rob in rows}
    speedup = times["pgd"][0] / times["fgsm"][0]
    gap = 100 * (times["pgd"][2] - times["fgsm"][2])
    arch = "paper's MNIST CNN" if cfg["arch"] == "cnn" else f"MLP {HIDDEN}"
    lines = [
        "# AdversarialMLPClassifier training benchmark",
        "",
        *environment_lines(
            command_line("benchmarks.bench_nets", argv),
            environment(device_description([device.type])),
        ),
        f"- data: MNIST, {cfg['n_train']} training and {cfg['n_test']} test images "
        "(fixed random subsets), pixels in [0, 1]",
        f"- model: {arch}, Adam lr {LR}, batch {BATCH}, eps {EPS}, clip [0, 1]; "
        f"PGD training and evaluation: {PGD_STEPS} steps of {PGD_STEP_SIZE:g} from "
        "a random start",
        "- times: process CPU seconds on the CPU (one torch thread, so other jobs "
        "on a shared machine barely affect them), wall seconds on a GPU; only "
        "same-run ratios are meaningful",
        "",
        "## Framework overhead (PGD training, seconds per epoch, median of "
        f"{cfg['repeats']} alternating runs of {cfg['epochs']} epoch(s))",
        "",
        "| skadv fit | bare torch loop | ratio (target <= 1.05) |",
        "| ---: | ---: | ---: |",
        f"| {skadv_epoch:.3f} | {bare_epoch:.3f} | {skadv_epoch / bare_epoch:.3f} |",
        "",
        f"## FGSM vs PGD training ({cfg['fits']} epochs each)",
        "",
        f"| training | fit time (s) | clean accuracy | robust accuracy "
        f"(PGD-{PGD_STEPS}) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, sec, clean, rob in rows:
        lines.append(f"| {name} | {sec:.2f} | {clean:.3f} | {rob:.3f} |")
    lines += [
        "",
        f"PGD / FGSM fit time: **{speedup:.1f}x** (target >= 5x); robust accuracy "
        f"PGD - FGSM: **{gap:+.1f} points** (target within 3).",
        "",
    ]
    if mode == "smoke":
        lines.insert(1, "\nSMOKE RUN: tiny sizes, meaningless numbers.")
    return "\n".join(lines)


def main(argv=None):
    parser = benchmark_parser(
        __doc__,
        RESULTS / "nets.md",
        mode_help={"quick": "minutes on 2 cores", "smoke": "seconds, tiny sizes"},
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch intra-op threads (default 1: on a small shared machine more "
        "threads mostly add synchronisation noise)",
    )
    add_data_arguments(parser)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = SETTINGS[args.mode]
    data = load(cfg["n_train"], cfg["n_test"], args.data_home, args.checksums)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        over = overhead(cfg, data)
        print(f"overhead: skadv {over[0]:.3f}s/epoch, bare {over[1]:.3f}s/epoch")
        rows = fgsm_vs_pgd(cfg, data)
        for row in rows:
            name, sec, clean, rob = row
            print(f"{name:8s} fit {sec:.2f}s clean {clean:.3f} robust {rob:.3f}")
    text = render(args.mode, cfg, over, rows, argv)
    write_text(args.output, text)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
