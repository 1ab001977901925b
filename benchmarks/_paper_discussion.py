"""The discussion of paper.md, written from the record of the run it discusses.

The quick mode is deterministic (seeded splits, seeded networks, one CPU
thread), so its results have been read and discussed once, here. The text is a
set of templates whose every number is a field filled from the run's record,
from the paper's constants or from the side experiments below: no number is
typed into the prose, so none can drift from the results (the test-suite checks
both). What the prose says in words about the numbers -- which model is
sparser, what holds and what falls short -- is checked against the record as
the text is made: a run whose numbers no longer say so stops with an error
naming the sentence, instead of publishing a discussion its tables contradict.
Other modes get a short note instead: their numbers have not been discussed.
"""

import textwrap
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from ._paper_common import (
    DATASET_LABELS,
    IMAGES,
    MODEL_KINDS,
    PROFILES,
)
from ._paper_constants import (
    ADVERSARIAL_EPOCHS,
    FIGURE_GINI_GAPS,
    IMAGE_EPSILON,
    MADRY_MNIST_ROBUST,
    NATURAL_EPOCHS,
    TRAIN_IMAGES,
    pgd_steps,
)
from ._paper_discussion_tabular import TABULAR_TEMPLATE, tabular_discussion
from ._paper_images import IMAGE_L1

# A quick-mode trial on MNIST: Gini and robust accuracy of the adversarial model
# after growing numbers of epochs at the full epsilon.
EPOCH_TRIAL = {
    "train_images": 3_000,
    "epochs": (0, 2, 4, 6),
    "gini": (0.923, 0.925, 0.928, 0.931),
    "robust_accuracy": (0.15, 0.59),
}
# A quick-mode trial on MNIST of stronger L1 penalties on the network weights.
L1_TRIAL = {
    "train_images": 1_000,
    "epochs": 3,
    "eval_images": 200,
    "l1": (0.0, 1e-5, 1e-4, 3e-4, 1e-3),
    "gini": (0.915, 0.914, 0.915, 0.914, 0.908),
    "accuracy": (0.919, 0.918, 0.893, 0.908, 0.751),
}
# Weights of the dense layer of the Madry CNN: 7 x 7 x 64 pooled features, 1024
# units (appendix J.1).
DENSE_WEIGHTS = 7 * 7 * 64 * 1024
# The words the discussion uses for the Fashion-MNIST classes, in label order.
FASHION_NOUNS = (
    "T-shirt",
    "trousers",
    "pullover",
    "dress",
    "coat",
    "sandal",
    "shirt",
    "sneaker",
    "bag",
    "ankle boot",
)
_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight")

_IMAGES = """
**Images (quick mode only; the paper's schedule needs a GPU).**

- The claim holds in the quick mode too, but the effect is small: mean Gini
  over {n_eval} test images {mn_adv_gini} (adversarial) vs {mn_nat_gini}
  (natural) and {mn_l1_gini} (L1) on MNIST, {fa_adv_gini} vs {fa_nat_gini} and
  {fa_l1_gini} on Fashion-MNIST, at comparable accuracy ({mn_adv_acc} vs
  {mn_nat_acc} / {mn_l1_acc} on MNIST; {fa_adv_acc} vs {fa_nat_acc} /
  {fa_l1_acc} on Fashion-MNIST). The paper's examples (Figs. J.6/J.7) show
  gaps of {figure_gaps} per image.
- Why we fall short: the quick adversarial models are far from the paper's.
  To fit a small shared CPU they see {image_train} training images, start from
  the natural network and get {adv_epochs} epochs of {train_steps}-step PGD
  with ε ramped up to its final value (the paper: {paper_images} images,
  {paper_adv_epochs} epochs of {paper_mnist_steps}-step PGD for MNIST). Their
  PGD robust accuracy at ε = {mnist_eps} is {mn_adv_robust} on MNIST, against
  {madry_robust} for Madry et al.'s model, and {fa_adv_robust} at
  ε = {fashion_eps} on Fashion-MNIST. The sparsity of IG grows with adversarial
  training: in a trial run ({trial_images} images) the MNIST Gini went
  {trial_gini} after {trial_epochs} epochs at ε = {mnist_eps} while robust
  accuracy rose from {trial_robust_from} to {trial_robust_to}, so the full
  schedule should widen the gap.
- The adversarial network also trained for {adv_epochs} more epochs than the
  natural one, which probably explains its slightly higher MNIST clean
  accuracy; on Fashion-MNIST it pays {fa_adv_cost} of accuracy for its
  robustness.
- L1: λ = {image_l1} (the paper's image λ is in its Table 1, which we do not
  have; the penalty is λ‖W‖₁ added to the mean cross-entropy of a batch)
  leaves the Gini unchanged and costs up to {l1_cost} of accuracy
  ({l1_cost_dataset}). Stronger penalties do not help: in a trial on MNIST
  ({l1_trial_images} training images, {l1_trial_epochs} epochs, Gini over
  {l1_trial_eval} test images) λ = {l1_trial_l1} gave Gini {l1_trial_gini} at
  accuracy {l1_trial_acc}, so no λ in that range makes a sparser L1 baseline,
  and we keep the mildest. The penalty falls mostly on the {dense_weights}
  weights of the dense layer and does not make input attributions sparser, in
  line with the paper's finding that L1 regularisation does far less for
  sparseness than adversarial training.
- The figure shows the most confidently classified test images (one per
  class, not chosen by Gini). In the quick mode per-image differences are
  small and {figure_exceptions}; the means above are over {n_eval} images. The
  adversarial maps are smoother and carry fewer negative (blue) attributions.
"""

_CLOSING = """
This run took {minutes} minutes of wall time on the machine above.
The full schedule (`make reproduce FULL=1`, {paper_images} training images,
{paper_nat_epochs} natural and {paper_adv_epochs} adversarial epochs of
{paper_mnist_steps}-step PGD for MNIST) was not run: no CUDA device was
available for this run, and on the CPU above it would take days.
"""

_OTHER = """
The discussion of the committed quick-mode results is in the `--quick` version
of this file. The numbers above come from a `--{mode}` run and have not been
discussed; the claim checks above are computed from them. This run took
{minutes} minutes of wall time.
"""

#: Every template. None holds a digit but in these references to the paper
#: and to the command line: all numbers are fields.
TEMPLATES = {
    "tabular": TABULAR_TEMPLATE,
    "images": _IMAGES,
    "closing": _CLOSING,
    "other": _OTHER,
}
REFERENCES = ("Lemma 2", "Figs. J.6/J.7", "Table 1", "FULL=1", "[0, 1]")


class DiscussionMismatch(ValueError):
    """The discussion says something that the results of the run do not."""


def _claim(holds, sentence):
    if not holds:
        raise DiscussionMismatch(
            f"the discussion says {sentence!r}, but the results do not: "
            "rewrite that part of benchmarks/_paper_discussion.py"
        )


def _fixed(value, digits):
    """``value`` with ``digits`` decimals, ties rounded up as a reader would.

    Float noise is cut off first, so that 2.55 from 0.8440 - 0.8185 is "2.6".
    """
    exact = Decimal(f"{value:.9f}")
    return str(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _pct(value, digits=1):
    """A fraction as a percentage; a whole 100% is written without decimals."""
    text = _fixed(100 * value, digits)
    return "100%" if float(text) == 100 else f"{text}%"


def _sci(value):
    """``1e-05`` written as ``1e-5``; zero as ``0``."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _listing(items):
    """``a, b and c``."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _word(number):
    return _WORDS[number] if number < len(_WORDS) else str(number)


class _Run:
    """The results of one run by dataset, recipe and model kind."""

    def __init__(self, results):
        self.by_key = {(r.dataset, r.recipe, r.kind): r for r in results}
        self.images = {(r.dataset, r.kind): r for r in results if "CNN" in r.recipe}

    def img(self, dataset, kind):
        return self.images[(dataset, kind)]


def _mean(values):
    return float(np.mean(values))


def _acc_gini(result):
    return f"{_pct(_mean(result.accuracy))} / {_mean(result.gini):.3f}"


def _image_model_facts(run):
    facts, accuracy = {}, {}
    for short, dataset in (("mn", "mnist"), ("fa", "fashion")):
        r = {k: run.img(dataset, k) for k in MODEL_KINDS}
        gini = {k: _mean(r[k].gini) for k in MODEL_KINDS}
        acc = accuracy[dataset] = {k: _mean(r[k].accuracy) for k in MODEL_KINDS}
        _claim(
            gini["adversarial"] > max(gini["natural"], gini["l1"]),
            f"the adversarial {dataset} model has the sparsest explanations",
        )
        _claim(
            f"{gini['l1']:.3f}" == f"{gini['natural']:.3f}",
            f"L1 leaves the {dataset} Gini unchanged",
        )
        for kind in MODEL_KINDS:
            facts[f"{short}_{kind[:3]}_gini"] = f"{gini[kind]:.3f}"
            facts[f"{short}_{kind[:3]}_acc"] = _pct(acc[kind])
        facts[f"{short}_adv_robust"] = _pct(_mean(r["adversarial"].robust_accuracy), 0)
    mnist, fashion = accuracy["mnist"], accuracy["fashion"]
    _claim(mnist["adversarial"] > mnist["natural"], "higher MNIST clean accuracy")
    cost = fashion["natural"] - fashion["adversarial"]
    _claim(cost > 0, "on Fashion-MNIST the adversarial model pays in accuracy")
    facts["fa_adv_cost"] = f"{_fixed(100 * cost, 1)} points"
    l1_costs = {
        DATASET_LABELS[dataset]: accuracy[dataset]["natural"] - accuracy[dataset]["l1"]
        for dataset in IMAGES
    }
    worst = max(l1_costs, key=l1_costs.get)
    facts["l1_cost"] = f"{_fixed(100 * l1_costs[worst], 1)} points"
    facts["l1_cost_dataset"] = worst
    return facts


def _figure_exceptions(examples):
    """The examples of the figure on which the adversarial map is not sparsest."""
    parts = []
    for dataset in IMAGES:
        shown = examples.get(dataset, [])
        worse = [
            example["label"]
            for example in shown
            if max(example["gini"], key=example["gini"].get) != "adversarial"
        ]
        if not worse:
            continue
        nouns = FASHION_NOUNS if dataset == "fashion" else [str(d) for d in range(10)]
        names = _listing(f"the {nouns[y]}" for y in worse)
        share = "all" if len(worse) == len(shown) else f"{_word(len(worse))} of the"
        label = DATASET_LABELS[dataset]
        parts.append(f"{share} {_word(len(shown))} {label} examples: {names}")
    if not parts:
        return "all in favour of the adversarial model"
    return "not always in favour of the adversarial model (" + "; ".join(parts) + ")"


def _image_facts(run, record, profile):
    mnist_eps = IMAGE_EPSILON["mnist"]
    trial = EPOCH_TRIAL
    facts = {
        **_image_model_facts(run),
        "n_eval": run.img("mnist", "natural").n_eval,
        "figure_gaps": "-".join(f"{gap:g}" for gap in FIGURE_GINI_GAPS),
        "image_train": f"{profile.image_train:,}",
        "adv_epochs": sum(epochs for _, epochs in profile.adversarial_stages),
        "train_steps": profile.train_attack_steps,
        "mnist_eps": f"{mnist_eps:g}",
        "fashion_eps": f"{IMAGE_EPSILON['fashion']:g}",
        "madry_robust": _pct(next(iter(MADRY_MNIST_ROBUST.values()))),
        "trial_images": f"{trial['train_images']:,}",
        "trial_gini": ", ".join(f"{g:.3f}" for g in trial["gini"]),
        "trial_epochs": _listing(str(n) for n in trial["epochs"]),
        "trial_robust_from": _pct(trial["robust_accuracy"][0], 0),
        "trial_robust_to": _pct(trial["robust_accuracy"][1], 0),
        "image_l1": _sci(IMAGE_L1["mnist"]),
        "l1_trial_images": f"{L1_TRIAL['train_images']:,}",
        "l1_trial_epochs": L1_TRIAL["epochs"],
        "l1_trial_eval": L1_TRIAL["eval_images"],
        "l1_trial_l1": _listing(_sci(v) for v in L1_TRIAL["l1"]),
        "l1_trial_gini": _listing(f"{g:.3f}" for g in L1_TRIAL["gini"]),
        "l1_trial_acc": _listing(_pct(a) for a in L1_TRIAL["accuracy"]),
        "dense_weights": f"{DENSE_WEIGHTS / 1e6:.1f} million",
        "figure_exceptions": _figure_exceptions(record["figure_examples"]),
    }
    _claim(len(set(IMAGE_L1.values())) == 1, "one λ serves both image datasets")
    return facts


def _paper_schedule_facts():
    """The paper's image schedule, which the images and closing parts both quote."""
    return {
        "paper_images": f"{TRAIN_IMAGES:,}",
        "paper_nat_epochs": NATURAL_EPOCHS,
        "paper_adv_epochs": ADVERSARIAL_EPOCHS,
        "paper_mnist_steps": pgd_steps(IMAGE_EPSILON["mnist"]),
    }


def _rewrap(text, width=79):
    """Fill the paragraphs and list items of Markdown ``text`` to ``width``.

    The fields change the length of the lines of a template; refilling keeps
    the committed file readable.
    """
    blocks = []
    for block in text.strip().split("\n\n"):
        items, current = [], []
        for line in block.splitlines():
            if line.startswith("- ") and current:
                items.append(current)
                current = []
            current.append(line.strip())
        items.append(current)
        filled = []
        for item in items:
            joined = " ".join(item)
            indent = "  " if joined.startswith("- ") else ""
            filled.append(
                textwrap.fill(
                    joined,
                    width,
                    subsequent_indent=indent,
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        blocks.append("\n".join(filled))
    return "\n\n".join(blocks) + "\n"


def discussion(record, results):
    """Markdown discussion of the run of ``record``, whose ``results`` are given.

    The quick mode over all four datasets gets the full discussion, with every
    number filled in from ``record``; any other run gets a short note.

    Raises
    ------
    DiscussionMismatch
        When a quick-mode record contradicts what the discussion says.
    """
    datasets = {r.dataset for r in results}
    minutes = f"{record['minutes']:.1f}"
    if record["mode"] != "quick" or len(datasets) < 4 or not record["figure"]:
        return _rewrap(_OTHER.format(mode=record["mode"], minutes=minutes))
    run, schedule = _Run(results), _paper_schedule_facts()
    text = tabular_discussion(record, results, _pct) + _IMAGES.format(
        **_image_facts(run, record, PROFILES["quick"]), **schedule
    )
    device = record["environment"].get("device", "")
    _claim("cuda" not in device, "no CUDA device was available")
    return _rewrap(text + _CLOSING.format(minutes=minutes, **schedule))
