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
    GINI_OFFSET,
    IG_STEPS,
    IMAGE_BATCH_SIZE,
    IMAGE_EPSILON,
    IMAGE_L1_SCALE,
    MADRY_MNIST_ROBUST,
    NATURAL_EPOCHS,
    TEST_IMAGES,
    TRAIN_IMAGES,
    pgd_steps,
)
from ._paper_discussion_tabular import TABULAR_TEMPLATE, tabular_discussion
from ._paper_images import IMAGE_L1
from ._paper_prose import (
    DiscussionMismatch,  # noqa: F401 (raised through _claim; tests catch it here)
    _claim,
    _fixed,
    _listing,
    _pct,
    _rewrap,
    _sci,
    _word,
)

# A quick-mode trial on MNIST (the quick natural network of 2,000 training
# images, then one epoch at epsilon / 2 and growing numbers of epochs at the
# full epsilon, PGD 3 x 2.5 eps / 3): the mean Gini of IG (official rule,
# S = 25) and the PGD robust accuracy (10 x 2.5 eps / 10) over the first 200
# test images of the seeded shuffle, after each number of epochs.
EPOCH_TRIAL = {
    "train_images": 2_000,
    "eval_images": 200,
    "natural_gini": 0.9140,
    "epochs": (0, 2, 4, 6),
    "gini": (0.9110, 0.9108, 0.9116, 0.9122),
    "robust_accuracy": (0.045, 0.365, 0.46, 0.405),
}
# A quick-mode trial on MNIST (2,500 training images; the natural network and
# one fine-tuned for one epoch at epsilon / 2 and three at epsilon): the mean
# Gini over the first 100 test images of IG of the true-class logit with the
# official rule at S = 100 and S = 25, and of IG of the true-class probability
# with 32 Gauss-Legendre nodes.
IG_TRIAL = {
    "train_images": 2_500,
    "eval_images": 100,
    "steps": (100, 25),
    "logit": {"natural": (0.9139, 0.9139), "adversarial": (0.9120, 0.9121)},
    "proba": {"natural": 0.9150, "adversarial": 0.9158},
}
# Two mean Gini indices closer than this count as "close".
CLOSE_GINI = 0.01
# Robust accuracy, above the natural network's, that counts as "clearly robust".
CLEARLY_ROBUST = 0.2
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

_IMAGES = """
**Images (quick mode only; the paper's schedule needs a GPU).**

- *How the explanations are measured.* As in the official evaluation
  (`DNN-Experiments/MNIST/eval_ig.py` and `utils.py`, the same for
  Fashion-MNIST), IG attributes the logit of the true class
  (`output_input_gradient` in `model.py`), not its probability, from the
  all-black image, and the integral is the mean of the gradients at
  (k/S)·x for k from {k_first} to S − {k_first}: the official code evaluates
  S points and drops the last. The official S is {paper_ig_steps}
  (`IG_steps` in `config.json`), which `--full` uses; the quick mode uses
  S = {ig_steps}, which in a trial on MNIST ({ig_trial_images} training
  images, {ig_trial_eval} test images) moved the mean Gini of a natural and
  an adversarial network by at most {ig_trial_diff}. The official code adds
  {gini_offset} to every |attribution| before it takes the Gini index
  (`gini` in `utils.py`); the tables give both forms, which differ by at
  most {offset_diff} in any mean here: black pixels get exactly zero
  attribution (the input is zero there), and the offset is tiny beside the
  attributions of the others. The means are over the first {n_eval} images
  of a seeded shuffle of the test set; the official ones, and `--full`, use
  all {test_images}.
- *Fashion-MNIST: the claim holds.* The adversarial model has the sparsest
  explanations: mean Gini {fa_adv_gini} vs {fa_nat_gini} (natural) and
  {fa_l1_gini} (L1), the same in the official form.
- *MNIST: the claim does not hold in the quick mode.* The mean Gini is
  {mn_adv_gini} (adversarial) vs {mn_nat_gini} (natural) and {mn_l1_gini}
  (L1): the adversarial model falls short of the sparsest by {mn_short}, in
  both forms. The differences are small enough to flip with the attributed
  output: in the trial above, IG of the true-class probability (with
  Gauss-Legendre nodes) put the adversarial network ahead
  ({ig_trial_proba_adv} vs {ig_trial_proba_nat}), and IG of its logit behind
  ({ig_trial_logit_adv} vs {ig_trial_logit_nat}).
- Why we fall short: the quick adversarial models are far from the paper's.
  To fit a small shared CPU they see {image_train} training images, start from
  the natural network and get {adv_epochs} epochs of {train_steps}-step PGD
  with ε ramped up to its final value (the paper: {paper_images} images,
  {paper_adv_epochs} epochs of {paper_mnist_steps}-step PGD for MNIST). They
  are clearly robust, but far less than the paper's: their PGD robust
  accuracy at ε = {mnist_eps} is {mn_adv_robust} on MNIST (natural:
  {mn_nat_robust}), against {madry_robust} for Madry et al.'s model, and
  {fa_adv_robust} at ε = {fashion_eps} on Fashion-MNIST (natural:
  {fa_nat_robust}). On MNIST the Gini grows with adversarial training, but
  slowly: in a trial ({trial_images} training images, {trial_eval} test
  images) it went {trial_gini} after {trial_epochs} epochs at
  ε = {mnist_eps}, still below the natural network's {trial_natural}, while
  robust accuracy went {trial_robust}. Whether the paper's schedule makes
  the adversarial MNIST model the sparsest was not tested here.
- The adversarial networks also trained for {adv_epochs} more epochs than the
  natural ones, which probably explains their higher clean accuracy on both
  datasets ({mn_adv_acc} vs {mn_nat_acc} on MNIST, {fa_adv_acc} vs
  {fa_nat_acc} on Fashion-MNIST).
- L1: λ = {image_l1} on the mean cross-entropy of a batch, the official
  {l1_scale} on the loss summed over a batch of {batch_size}
  (`train_nat_l1_reg.py` and `nat_l1_reg_config.json`; the official penalty
  also covers the biases, ours only the weights). It lowers the Gini
  slightly on both datasets and costs up to {l1_cost} of accuracy
  ({l1_cost_dataset}). The penalty falls mostly on the {dense_weights}
  weights of the dense layer and does not make input attributions sparser,
  in line with the paper's finding that L1 regularisation does far less for
  sparseness than adversarial training.
- The figure shows the most confidently classified test images (one per
  class, not chosen by Gini), each map titled with its Gini index and, in
  brackets, the official form. Per image, adversarial minus natural in the
  official form ranges from {fig_gap_min} to {fig_gap_max}, below the
  {figure_gaps} of the paper's examples (Figs. J.6/J.7), and the comparison
  is {figure_exceptions}; the means above are over {n_eval} images.
"""

_CLOSING = """
This run took {minutes} minutes of wall time on the machine above.
The full schedule (`make reproduce FULL=1`, {paper_images} training images,
{paper_nat_epochs} natural and {paper_adv_epochs} adversarial epochs of
{paper_mnist_steps}-step PGD for MNIST, IG with S = {paper_ig_steps} over all
{test_images} test images) was not run: no CUDA device was available for this
run, and on the CPU above it would take days.
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


class _Run:
    """The results of one run by dataset, recipe and model kind."""

    def __init__(self, results):
        self.by_key = {(r.dataset, r.recipe, r.kind): r for r in results}
        self.images = {(r.dataset, r.kind): r for r in results if "CNN" in r.recipe}

    def img(self, dataset, kind):
        return self.images[(dataset, kind)]


def _mean(values):
    return float(np.mean(values))


def _gini_means(result):
    """Mean Gini of ``result``: as in the paper, and in the official form."""
    return _mean(result.gini), _mean(result.extra["gini_offset"])


def _sparsity_facts(run):
    """Which image model has the sparsest explanations, in both forms."""
    facts, offsets = {}, []
    for short, dataset in (("mn", "mnist"), ("fa", "fashion")):
        means = {k: _gini_means(run.img(dataset, k)) for k in MODEL_KINDS}
        offsets += [abs(plain - official) for plain, official in means.values()]
        for form in (0, 1):
            g = {k: means[k][form] for k in MODEL_KINDS}
            best = max(g["natural"], g["l1"])
            if dataset == "fashion":
                _claim(
                    g["adversarial"] > best,
                    "the adversarial Fashion-MNIST model has the sparsest "
                    "explanations, in both forms",
                )
            else:
                _claim(
                    g["adversarial"] < best,
                    "the adversarial MNIST model is not the sparsest in the quick "
                    "mode, in either form",
                )
                _claim(
                    best - g["adversarial"] < CLOSE_GINI,
                    "the adversarial MNIST model falls short of the sparsest by "
                    "less than a hundredth",
                )
            _claim(
                g["l1"] < g["natural"],
                f"L1 lowers the {dataset} Gini slightly, in both forms",
            )
        plain = {k: means[k][0] for k in MODEL_KINDS}
        for kind in MODEL_KINDS:
            facts[f"{short}_{kind[:3]}_gini"] = f"{plain[kind]:.3f}"
        facts[f"{short}_short"] = (
            f"{max(plain['natural'], plain['l1']) - plain['adversarial']:.4f}"
        )
    facts["offset_diff"] = _sci_up(max(offsets))
    return facts


def _sci_up(value):
    """``value`` rounded up to one significant digit, as ``2e-5``."""
    exponent = int(np.floor(np.log10(value)))
    return _sci(np.ceil(value / 10.0**exponent) * 10.0**exponent)


def _image_model_facts(run):
    facts, accuracy = _sparsity_facts(run), {}
    for short, dataset in (("mn", "mnist"), ("fa", "fashion")):
        r = {k: run.img(dataset, k) for k in MODEL_KINDS}
        acc = accuracy[dataset] = {k: _mean(r[k].accuracy) for k in MODEL_KINDS}
        _claim(
            acc["adversarial"] > max(acc["natural"], acc["l1"]),
            f"the adversarial {dataset} network has the higher clean accuracy",
        )
        robust = {k: _mean(r[k].robust_accuracy) for k in MODEL_KINDS}
        _claim(
            robust["adversarial"] > robust["natural"] + CLEARLY_ROBUST,
            f"the adversarial {dataset} network is clearly robust",
        )
        for kind in MODEL_KINDS:
            facts[f"{short}_{kind[:3]}_acc"] = _pct(acc[kind])
        for kind in ("natural", "adversarial"):
            facts[f"{short}_{kind[:3]}_robust"] = _pct(robust[kind], 0)
    l1_costs = {
        DATASET_LABELS[dataset]: accuracy[dataset]["natural"] - accuracy[dataset]["l1"]
        for dataset in IMAGES
    }
    _claim(min(l1_costs.values()) > 0, "L1 costs accuracy on both datasets")
    worst = max(l1_costs, key=l1_costs.get)
    facts["l1_cost"] = f"{_fixed(100 * l1_costs[worst], 1)} points"
    facts["l1_cost_dataset"] = worst
    return facts


def _figure_exceptions(examples):
    """The examples of the figure on which the adversarial map is not sparsest.

    The per-image comparison uses the official form of the Gini index, the one
    of the paper's figures.
    """
    parts = []
    for dataset in IMAGES:
        shown = examples.get(dataset, [])
        worse = [
            example["label"]
            for example in shown
            if max(example["gini_offset"], key=example["gini_offset"].get)
            != "adversarial"
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


def _figure_gaps(examples):
    """Smallest and largest per-image Gini gap, adversarial minus natural."""
    gaps = [
        example["gini_offset"]["adversarial"] - example["gini_offset"]["natural"]
        for shown in examples.values()
        for example in shown
    ]
    low, high = min(gaps), max(gaps)
    _claim(high < FIGURE_GINI_GAPS[0], "the per-image gaps fall short of the paper's")
    return {
        "fig_gap_min": f"{low:+.3f}".replace("-", "−"),
        "fig_gap_max": f"{high:+.3f}".replace("-", "−"),
    }


def _trial_facts():
    """The side trials of the quick mode (``EPOCH_TRIAL``, ``IG_TRIAL``)."""
    trial, ig = EPOCH_TRIAL, IG_TRIAL
    _claim(
        trial["gini"][-1] > trial["gini"][0]
        and trial["gini"][-1] < trial["natural_gini"],
        "the MNIST Gini grows with adversarial epochs but stays below natural",
    )
    logit, proba = ig["logit"], ig["proba"]
    _claim(
        proba["adversarial"] > proba["natural"]
        and logit["adversarial"][0] < logit["natural"][0],
        "the probability puts the adversarial network ahead, the logit behind",
    )
    _claim(ig["steps"][0] == IG_STEPS, "the trial compares with the official S")
    moved = max(abs(a - b) for a, b in logit.values())
    return {
        "trial_images": f"{trial['train_images']:,}",
        "trial_eval": trial["eval_images"],
        "trial_natural": f"{trial['natural_gini']:.4f}",
        "trial_gini": ", ".join(f"{g:.4f}" for g in trial["gini"]),
        "trial_epochs": _listing(str(n) for n in trial["epochs"]),
        "trial_robust": _listing(_pct(a, 0) for a in trial["robust_accuracy"]),
        "ig_trial_images": f"{ig['train_images']:,}",
        "ig_trial_eval": ig["eval_images"],
        "ig_trial_diff": f"{moved:.4f}",
        "ig_trial_proba_adv": f"{proba['adversarial']:.4f}",
        "ig_trial_proba_nat": f"{proba['natural']:.4f}",
        "ig_trial_logit_adv": f"{logit['adversarial'][0]:.4f}",
        "ig_trial_logit_nat": f"{logit['natural'][0]:.4f}",
    }


def _image_facts(run, record, profile):
    mnist_eps = IMAGE_EPSILON["mnist"]
    n_eval = {r.n_eval for r in run.images.values()}
    _claim(len(n_eval) == 1, "every image model is evaluated on the same images")
    ig_steps = {r.extra["ig_steps"] for r in run.images.values()}
    _claim(ig_steps == {profile.ig_steps}, "the quick mode uses its own S")
    facts = {
        **_image_model_facts(run),
        **_trial_facts(),
        **_figure_gaps(record["figure_examples"]),
        "n_eval": f"{n_eval.pop():,}",
        "k_first": 1,
        "ig_steps": ig_steps.pop(),
        "gini_offset": _sci(GINI_OFFSET),
        "figure_gaps": "-".join(f"{gap:g}" for gap in FIGURE_GINI_GAPS),
        "image_train": f"{profile.image_train:,}",
        "adv_epochs": sum(epochs for _, epochs in profile.adversarial_stages),
        "train_steps": profile.train_attack_steps,
        "mnist_eps": f"{mnist_eps:g}",
        "fashion_eps": f"{IMAGE_EPSILON['fashion']:g}",
        "madry_robust": _pct(next(iter(MADRY_MNIST_ROBUST.values()))),
        "image_l1": f"{IMAGE_L1['mnist']:g}",
        "l1_scale": f"{IMAGE_L1_SCALE:g}",
        "batch_size": IMAGE_BATCH_SIZE,
        "dense_weights": f"{DENSE_WEIGHTS / 1e6:.1f} million",
        "figure_exceptions": _figure_exceptions(record["figure_examples"]),
    }
    _claim(len(set(IMAGE_L1.values())) == 1, "one λ serves both image datasets")
    _claim(
        profile.ig_steps < IG_STEPS and PROFILES["full"].ig_steps == IG_STEPS,
        "the quick mode uses fewer IG steps than the official S, --full the official",
    )
    return facts


def _paper_schedule_facts():
    """The paper's image schedule, which the images and closing parts both quote."""
    return {
        "paper_images": f"{TRAIN_IMAGES:,}",
        "paper_nat_epochs": NATURAL_EPOCHS,
        "paper_adv_epochs": ADVERSARIAL_EPOCHS,
        "paper_mnist_steps": pgd_steps(IMAGE_EPSILON["mnist"]),
        "paper_ig_steps": IG_STEPS,
        "test_images": f"{TEST_IMAGES:,}",
    }


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
