"""A check of skadv on a CUDA device: pickling across devices, and the Madry CNN.

Two steps, each timed, written as one Markdown file:

1. Pickle round trip. A small adversarially trained MLP and a small Madry CNN
   are trained on the device (on the 8x8 digits of scikit-learn, in float64 so
   that the device's arithmetic is not rounded to TF32), pickled to bytes and
   unpickled in a fresh subprocess that sees no CUDA device
   (``CUDA_VISIBLE_DEVICES=""``). That subprocess is the real test that a model
   trained on a GPU loads on a CPU-only machine; its predictions must equal
   those made on the device (same labels, probabilities within 1e-9).
2. The Madry CNN on MNIST at eps = 0.3, natural, L1 natural and adversarial, on
   a schedule shortened to fit a few minutes of one GPU (see ``SCHEDULES``):
   clean accuracy on the whole test set, robust accuracy under the paper's
   PGD-40 attack (step 0.01, random start) and the mean Gini index of the
   official code's Integrated Gradients for networks (of the true class's
   logit, nodes ``arange(1, S) / S``, weights ``1 / (S - 1)``, all-black
   baseline), under two conventions: the plain index and the official code's,
   which adds 1e-7 to every ``|attribution|`` before sorting.

Usage, from the repository root (``benchmarks/gpu_check.sh`` also runs the
CUDA tests first, under a time limit)::

    python -m benchmarks.gpu_check                  # on CUDA, the GPU schedule
    python -m benchmarks.gpu_check --budget 400     # at most ~400 s of wall time
    python -m benchmarks.gpu_check --smoke --device cpu --output /tmp/g.md

``--budget`` bounds the wall time of the run: the adversarial fine-tuning stops
before an epoch that would leave too little time for its evaluation, and the
table says how many of the planned epochs ran. A CUDA device that torch does
not see is refused with exit status 2 (there is no silent fall-back to the
CPU). A failed pickle check still writes the table and exits with status 1.
"""

import copy
import os
import pickle
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from skadv.inspection import gini_index, integrated_gradients
from skadv.metrics import robust_accuracy_score
from skadv.neural_network import AdversarialMLPClassifier

from ._cli import (
    RESULTS,
    ROOT,
    benchmark_parser,
    command_line,
    device_description,
    environment,
    environment_lines,
    write_text,
)
from ._image_data import add_data_arguments
from ._paper_constants import (
    GINI_OFFSET,
    IG_STEPS,
    IMAGE_EPSILON,
    PGD_STEP_SIZE,
    pgd_steps,
)
from ._paper_images import IMAGE_L1, fit_natural, load_images, paper_ig_rule

EPSILON = IMAGE_EPSILON["mnist"]
#: The attributed output: the official MNIST code differentiates the logit of
#: the true class (``output_input_gradient`` of its model), not a probability.
IG_OUTPUT = "logit"
#: The official code's offset of every |attribution| in its Gini index.
#: Probabilities of the CPU copy may differ from the device's by rounding only.
PICKLE_TOLERANCE = 1e-9
SEED = 0


@dataclass(frozen=True)
class Schedule:
    """Sizes of one run; the field names match those that ``fit_natural`` reads."""

    label: str
    n_train: int
    natural_epochs: int
    # the epsilon of each adversarial epoch, in order: a ramp up to EPSILON
    adversarial_epochs: tuple
    # None: the paper's attack (100 eps + 10 steps of 0.01); else that many
    # steps of 2.5 eps / steps, cheap enough for the smoke run on a CPU
    train_attack_steps: int | None
    batch_size: int
    learning_rate: float
    n_robust: int  # test images attacked with PGD-40
    n_ig: int  # test images explained with IG
    ig_steps: int  # S of the paper's IG rule
    ig_batch: int  # interpolation points per forward pass
    pickle_rows: int  # digits used by the pickle check
    pickle_epochs: int


# The GPU schedule departs from the paper's (appendix J.1: 50,000 images, Adam
# at 1e-4, 25,000 natural and 100,000 adversarial steps of 50 images, PGD-40
# from scratch) to fit minutes: 20,000 images, Adam at 1e-3, and adversarial
# training that fine-tunes the natural network through a ramp of epsilon, as
# the quick profile of reproduce_paper.py does. Its attack is the paper's,
# 100 eps + 10 steps of 0.01 at each epsilon; --budget drops epochs from the
# end. Nearly all of the cost is the 41 forward-backward passes per batch of
# the epochs at eps = 0.3. IG uses the official S (IG_STEPS).
SCHEDULES = {
    "full": Schedule(
        label="GPU schedule (shortened from the paper's)",
        n_train=20_000,
        natural_epochs=4,
        adversarial_epochs=(0.1, 0.2) + (EPSILON,) * 8,
        train_attack_steps=None,
        batch_size=50,
        learning_rate=1e-3,
        n_robust=10_000,
        n_ig=2_000,
        ig_steps=IG_STEPS,
        ig_batch=10_000,
        pickle_rows=1797,
        pickle_epochs=5,
    ),
    "smoke": Schedule(
        label="SMOKE (tiny sizes, numbers meaningless)",
        n_train=200,
        natural_epochs=1,
        adversarial_epochs=(0.15, EPSILON),
        train_attack_steps=2,
        batch_size=50,
        learning_rate=1e-3,
        n_robust=20,
        n_ig=5,
        ig_steps=10,
        ig_batch=100,
        pickle_rows=200,
        pickle_epochs=1,
    ),
}


def train_attack(schedule, eps):
    """``(steps, step_size)`` of the training attack at budget ``eps``."""
    if schedule.train_attack_steps is None:
        return pgd_steps(eps), PGD_STEP_SIZE
    return schedule.train_attack_steps, 2.5 * eps / schedule.train_attack_steps


# ------------------------------------------------------------ pickle check


def _pickle_models(schedule, device):
    """The two models of the pickle check, trained on ``device``, and their data."""
    X, y = load_digits(return_X_y=True)
    X, y = X[: schedule.pickle_rows] / 16.0, y[: schedule.pickle_rows]
    common = dict(
        epsilon=0.1,
        clip=(0.0, 1.0),
        max_iter=schedule.pickle_epochs,
        batch_size=64,
        device=device,
        random_state=SEED,
    )
    models = {
        "MLP (64,), PGD training": AdversarialMLPClassifier(
            hidden_layer_sizes=(64,), attack="pgd", attack_steps=5, **common
        ),
        "Madry CNN on 8x8, FGSM training": AdversarialMLPClassifier(
            architecture="cnn", input_shape=(1, 8, 8), attack="fgsm", **common
        ),
    }
    with warnings.catch_warnings():
        # a fixed number of epochs is the point, not convergence
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in models.values():
            model.fit(X, y)
    return models, X


def unpickle_on_cpu():
    """The subprocess side of the pickle check: stdin -> unpickle -> stdout.

    Reads ``{name: (pickled model, X)}`` and writes, for each model, the device
    it was restored on and its labels and probabilities on ``X``, with whether
    torch saw CUDA at all here.
    """
    import torch

    payload = pickle.load(sys.stdin.buffer)
    reply = {"cuda_seen": torch.cuda.is_available(), "models": {}}
    for name, (blob, X) in payload.items():
        model = pickle.loads(blob)
        reply["models"][name] = {
            "device": model.device_,
            "labels": model.predict(X),
            "proba": model.predict_proba(X),
        }
    pickle.dump(reply, sys.stdout.buffer)


def pickle_check(schedule, device):
    """Rows of the pickle check: one dict per model, with ``passed``."""
    start = time.perf_counter()
    models, X = _pickle_models(schedule, device)
    payload = {name: (pickle.dumps(m), X) for name, m in models.items()}
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    code = "from benchmarks.gpu_check import unpickle_on_cpu; unpickle_on_cpu()"
    child = subprocess.run(
        [sys.executable, "-c", code],
        input=pickle.dumps(payload),
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(
            "the CPU-only subprocess failed to unpickle the models:\n"
            + child.stderr.decode(errors="replace")[-3000:]
        )
    reply = pickle.loads(child.stdout)
    rows = []
    for name, model in models.items():
        restored = reply["models"][name]
        labels_equal = bool(np.array_equal(restored["labels"], model.predict(X)))
        difference = float(np.max(np.abs(restored["proba"] - model.predict_proba(X))))
        passed = (
            not reply["cuda_seen"]
            and restored["device"] == "cpu"
            and labels_equal
            and difference <= PICKLE_TOLERANCE
        )
        rows.append(
            {
                "model": name,
                "trained_on": model.device_,
                "restored_on": restored["device"]
                + (" (CUDA visible!)" if reply["cuda_seen"] else ""),
                "rows": len(X),
                "bytes": len(payload[name][0]),
                "labels_equal": labels_equal,
                "difference": difference,
                "passed": passed,
            }
        )
    seconds = time.perf_counter() - start
    return rows, seconds


# ------------------------------------------------------------------- MNIST


def evaluate(model, schedule, test):
    """Clean, PGD-40 and IG-Gini numbers of ``model`` on the (shuffled) test set."""
    X_test, y_test = test
    n_robust, n_ig = (
        min(schedule.n_robust, len(y_test)),
        min(schedule.n_ig, len(y_test)),
    )
    start = time.perf_counter()
    accuracy = float(model.score(X_test, y_test))
    robust = robust_accuracy_score(
        model,
        X_test[:n_robust],
        y_test[:n_robust],
        epsilon=EPSILON,
        steps=pgd_steps(EPSILON),
        step_size=PGD_STEP_SIZE,
        random_state=SEED,
    )
    maps = integrated_gradients(
        model,
        X_test[:n_ig],
        y_test[:n_ig],
        output=IG_OUTPUT,
        method=paper_ig_rule(schedule.ig_steps),
        internal_batch_size=schedule.ig_batch,
    )
    magnitudes = np.abs(maps)
    return {
        "accuracy": accuracy,
        "robust": float(robust),
        "gini": float(np.mean(gini_index(magnitudes))),
        "gini_official": float(np.mean(gini_index(magnitudes, offset=GINI_OFFSET))),
        "eval_seconds": time.perf_counter() - start,
    }


def fit_adversarial(schedule, natural, X, y, deadline, reserve, per_pass):
    """Fine-tune a copy of ``natural`` one epoch at a time, within ``deadline``.

    ``partial_fit`` keeps the Adam moments from epoch to epoch. An epoch starts
    only if its expected time (the previous epoch's, scaled by the number of
    forward-backward passes per batch) plus ``reserve`` ends before
    ``deadline`` (a ``time.perf_counter`` value, or None for no limit). Before
    the first epoch, ``per_pass`` (seconds of one natural epoch) stands in for
    the time of one forward-backward pass over the data.

    Returns the model and the epsilon of each epoch that ran.
    """
    model = copy.deepcopy(natural)
    done = []
    for eps in schedule.adversarial_epochs:
        steps, step_size = train_attack(schedule, eps)
        expected = per_pass * (steps + 1)
        if deadline is not None and time.perf_counter() + expected + reserve > deadline:
            break
        start = time.perf_counter()
        model.set_params(
            epsilon=eps, attack="pgd", attack_steps=steps, attack_step_size=step_size
        )
        model.partial_fit(X, y)
        per_pass = (time.perf_counter() - start) / (steps + 1)
        done.append(eps)
    return model, done


def adversarial_setup(schedule, done):
    """The adversarial schedule in words, with how much of it ran."""
    if schedule.train_attack_steps is None:
        attack = f"PGD (100ε+10)×{PGD_STEP_SIZE:g}"
    else:
        attack = (
            f"PGD {schedule.train_attack_steps}×(2.5ε/{schedule.train_attack_steps})"
        )
    plan = ", ".join(
        f"{schedule.adversarial_epochs.count(eps)} at ε={eps:g}"
        for eps in dict.fromkeys(schedule.adversarial_epochs)
    )
    text = f"natural model fine-tuned, {attack} from a random start; epochs {plan}"
    planned = len(schedule.adversarial_epochs)
    if len(done) < planned:
        last = f", the last at ε={done[-1]:g}" if done else ""
        text += f"; time budget: ran {len(done)} of {planned}{last}"
    return text


def mnist_check(schedule, device, deadline, data_home, checksums, log):
    """Train and evaluate the three MNIST models; rows and wall times."""
    start = time.perf_counter()
    X_train, y_train, X_test, y_test = load_images(
        "mnist", schedule.n_train, SEED, data_home, checksums
    )
    # a seeded order of the test set: its head is what is attacked and explained
    order = np.random.default_rng(SEED).permutation(len(y_test))
    test = X_test[order], y_test[order]
    load_seconds = time.perf_counter() - start
    rows, natural = [], None
    for kind in ("natural", "l1", "adversarial"):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if kind == "adversarial":
                # the slowest evaluation so far, with a margin, stays in reserve
                reserve = 1.25 * max(row["eval_seconds"] for row in rows) + 10.0
                per_pass = rows[0]["fit_seconds"] / schedule.natural_epochs
                model, done = fit_adversarial(
                    schedule, natural, X_train, y_train, deadline, reserve, per_pass
                )
                setup = adversarial_setup(schedule, done)
            else:
                l1 = IMAGE_L1["mnist"] if kind == "l1" else 0.0
                model = fit_natural(schedule, X_train, y_train, device, SEED, l1)
                epochs = schedule.natural_epochs
                setup = f"{epochs} epoch{'s' if epochs > 1 else ''}"
                if l1:
                    setup += f", λ={l1:g} times the L1 norm of the weights"
        fit_seconds = time.perf_counter() - start
        if kind == "natural":
            natural = model
        row = {
            "kind": kind,
            "setup": setup,
            "fit_seconds": fit_seconds,
            "device": model.device_,
            **evaluate(model, schedule, test),
        }
        log(
            f"mnist {kind:11s} acc={row['accuracy']:.4f} robust={row['robust']:.4f} "
            f"gini={row['gini']:.4f}/{row['gini_official']:.4f} "
            f"fit={fit_seconds:.1f}s eval={row['eval_seconds']:.1f}s"
        )
        rows.append(row)
    return rows, load_seconds, len(y_train), len(y_test)


# ------------------------------------------------------------------ report


MODEL_LABELS = {"natural": "natural", "l1": "L1 natural", "adversarial": "adversarial"}


def render(args, schedule, pickle_rows, mnist, times, argv):
    """The Markdown results file."""
    rows, _, n_train, n_test = mnist
    devices = [row["trained_on"] for row in pickle_rows] + [r["device"] for r in rows]
    n_robust, n_ig = min(schedule.n_robust, n_test), min(schedule.n_ig, n_test)
    lines = [
        "# skadv on a GPU: pickling across devices and the Madry CNN on MNIST",
        "",
        *environment_lines(
            command_line("benchmarks.gpu_check", argv),
            environment(device_description(devices)),
        ),
        f"- schedule: {schedule.label}; requested device `{args.device}`; "
        f"time budget: {'none' if args.budget is None else f'{args.budget:g} s'}",
        "",
        "## 1. Pickle round trip: trained on the device, unpickled in a fresh "
        "CPU-only subprocess",
        "",
        f"Digits of scikit-learn scaled to [0, 1], float64, ε = 0.1; passed: the "
        f"subprocess saw no CUDA device, restored the model on the CPU, and its "
        f"labels equal the device's with probabilities within {PICKLE_TOLERANCE:g}.",
        "",
        "| model | trained on | unpickled on | rows | pickle bytes | labels equal "
        "| max abs proba difference | check |",
        "| --- | --- | --- | ---: | ---: | --- | ---: | --- |",
    ]
    for row in pickle_rows:
        lines.append(
            f"| {row['model']} | {row['trained_on']} | {row['restored_on']} "
            f"| {row['rows']} | {row['bytes']:,} "
            f"| {'yes' if row['labels_equal'] else 'no'} | {row['difference']:.2e} "
            f"| {'passed' if row['passed'] else 'FAILED'} |"
        )
    steps, size = train_attack(schedule, EPSILON)
    lines += [
        "",
        f"## 2. Madry CNN on MNIST, ε = {EPSILON:g}",
        "",
        f"- training: a seeded random subset of {n_train:,} of the 60,000 training "
        f"images; Adam, learning rate {schedule.learning_rate:g}, batch "
        f"{schedule.batch_size}; pixels in [0, 1], attacks clipped to [0, 1]",
        f"- evaluation: clean accuracy on all {n_test:,} test images; robust "
        f"accuracy under PGD {pgd_steps(EPSILON)}×{PGD_STEP_SIZE:g} from a random "
        f"start (one restart) on the first {n_robust:,} of a seeded order of the "
        f"test set; IG of the {IG_OUTPUT} of the true class from the all-black "
        f"image, the official rule with S = {schedule.ig_steps} (nodes "
        f"1/S…(S−1)/S, weights 1/(S−1)), on the first {n_ig:,}",
        f"- Gini: mean over those images of `gini_index(|IG|)` and, as the "
        f"official code computes it, of `gini_index(|IG| + {GINI_OFFSET:g})`",
        f"- adversarial epochs at ε = {EPSILON:g} use {steps}×{size:.3g} steps",
        "",
        f"| model | set-up | clean accuracy ({n_test:,}) | PGD-{pgd_steps(EPSILON)} "
        f"robust accuracy ({n_robust:,}) | mean Gini of IG ({n_ig:,}) | mean Gini, "
        f"official +{GINI_OFFSET:g} | fit s | eval s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {MODEL_LABELS[row['kind']]} | {row['setup']} "
            f"| {100 * row['accuracy']:.2f}% | {100 * row['robust']:.2f}% "
            f"| {row['gini']:.4f} | {row['gini_official']:.4f} "
            f"| {row['fit_seconds']:.1f} | {row['eval_seconds']:.1f} |"
        )
    lines += ["", "## Wall times", "", "| step | seconds |", "| --- | ---: |"]
    lines += [f"| {step} | {seconds:.1f} |" for step, seconds in times.items()]
    return "\n".join(lines) + "\n"


def _parser():
    parser = benchmark_parser(
        __doc__,
        None,
        flags=("smoke",),
        mode_help={"smoke": "tiny sizes, seconds on a CPU; numbers are meaningless"},
        output_help="Markdown file to write (default: benchmarks/results/"
        "gpu_check.md; with --smoke, only the printed table unless given).",
    )
    parser.add_argument(
        "--device",
        default="cuda",
        help="torch device to train on: cuda (default), cuda:<index> or cpu.",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="wall-clock seconds the whole run may take: the adversarial "
        "fine-tuning stops early so that its evaluation fits (default: no limit).",
    )
    add_data_arguments(parser)
    return parser


def main(argv=None):
    started = time.perf_counter()
    parser = _parser()
    args = parser.parse_args(argv)
    import torch

    if args.device not in ("cpu", "cuda") and not args.device.startswith("cuda:"):
        parser.error(f"--device must be cpu, cuda or cuda:<index>; got {args.device!r}")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        parser.error(
            f"--device {args.device} was asked for, but torch sees no CUDA device "
            "(torch.cuda.is_available() is False); run on a machine with a GPU, "
            "or pass --device cpu (with --smoke for a run of seconds)."
        )
    schedule = SCHEDULES[args.mode]
    deadline = None if args.budget is None else started + args.budget

    def log(text):
        print(text, flush=True)

    pickle_rows, pickle_seconds = pickle_check(schedule, args.device)
    for row in pickle_rows:
        log(
            f"pickle {row['model']}: {row['trained_on']} -> {row['restored_on']}, "
            f"max |Δproba| {row['difference']:.2e}, "
            f"{'passed' if row['passed'] else 'FAILED'}"
        )
    mnist = mnist_check(
        schedule, args.device, deadline, args.data_home, args.checksums, log
    )
    times = {
        "pickle round trip (train, pickle, CPU subprocess)": pickle_seconds,
        "MNIST loading": mnist[1],
        **{
            f"{MODEL_LABELS[row['kind']]}: fit + evaluation": row["fit_seconds"]
            + row["eval_seconds"]
            for row in mnist[0]
        },
        "whole run": time.perf_counter() - started,
    }
    text = render(args, schedule, pickle_rows, mnist, times, argv)
    output = args.output
    if output is None and args.mode != "smoke":
        output = RESULTS / "gpu_check.md"
    if output is None:
        print(text)
    else:
        write_text(output, text)
        log(f"wrote {output}")
    return 0 if all(row["passed"] for row in pickle_rows) else 1


if __name__ == "__main__":
    sys.exit(main())
