"""Run profiles and result records of reproduce_paper.py.

The three profiles differ only in sizes: ``smoke`` exists so that a test can run
the whole script in seconds, ``quick`` fits a shared 2-core CPU in minutes, and
``full`` follows the paper's schedule (appendix J.1) and is meant for a GPU.
"""

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from ._paper_constants import (
    ADVERSARIAL_EPOCHS,
    IG_STEPS,
    IMAGE_BATCH_SIZE,
    IMAGE_LEARNING_RATE,
    NATURAL_EPOCHS,
    PAPER_TABULAR,
)

DATASETS = ("mushroom", "spambase", "mnist", "fashion")
TABULAR = ("mushroom", "spambase")
IMAGES = ("mnist", "fashion")
MODEL_KINDS = ("natural", "l1", "adversarial")
MODEL_LABELS = {
    "natural": "natural",
    "l1": "L1 natural",
    "adversarial": "adversarial",
}
DATASET_LABELS = {
    "mushroom": "Mushroom",
    "spambase": "Spambase",
    "mnist": "MNIST",
    "fashion": "Fashion-MNIST",
}


def published_cell(dataset, kind):
    """The paper's test accuracy / mean Gini of one tabular model, as quoted.

    The headline table and the discussion both write it this way.

    Examples
    --------
    >>> from benchmarks._paper_common import published_cell
    >>> published_cell("mushroom", "natural")
    '100% / 0.91'
    """
    acc, gini = PAPER_TABULAR[dataset][kind]
    return f"{100 * acc:g}% / {gini:g}"


@dataclass(frozen=True)
class Profile:
    """Sizes of one run; see ``PROFILES`` for the three that exist."""

    name: str
    label: str
    # tabular
    tabular_seeds: tuple
    tabular_max_rows: int | None
    # images: training
    image_train: int | None  # None: the paper's TRAIN_IMAGES
    natural_epochs: int
    # (fraction of the training epsilon, epochs) per stage: a ramp of epsilon
    adversarial_stages: tuple
    # fine-tune a copy of the natural network instead of starting from scratch
    adversarial_from_natural: bool
    batch_size: int
    learning_rate: float
    train_attack: str
    train_attack_steps: int | None  # None: the paper's 100 * eps + 10
    train_step_factor: float | None  # step = factor * eps / steps; None: paper's
    # images: evaluation
    image_test: int | None  # test images for accuracy; None: all 10,000
    # test images for robust accuracy and the mean Gini; None: all, as the
    # official evaluation does
    image_eval: int | None
    eval_attack_steps: int | None
    eval_step_factor: float | None
    eval_restarts: int
    ig_steps: int  # S of the official IG rule: nodes k / S, k = 1..S-1
    ig_batch: int
    figure_examples: int


PROFILES = {
    "smoke": Profile(
        name="smoke",
        label="SMOKE (tiny sizes, numbers meaningless)",
        tabular_seeds=(0,),
        tabular_max_rows=400,
        image_train=200,
        natural_epochs=1,
        adversarial_stages=((0.5, 1), (1.0, 1)),
        adversarial_from_natural=True,
        batch_size=50,
        learning_rate=1e-3,
        train_attack="pgd",
        train_attack_steps=3,
        train_step_factor=2.5,
        image_test=100,
        image_eval=20,
        eval_attack_steps=2,
        eval_step_factor=2.5,
        eval_restarts=1,
        ig_steps=4,
        ig_batch=400,
        figure_examples=1,
    ),
    "quick": Profile(
        name="quick",
        label="QUICK (CPU-sized: image subsets, few epochs, short PGD)",
        tabular_seeds=(0, 1, 2, 3, 4),
        tabular_max_rows=None,
        image_train=2_000,
        natural_epochs=3,
        adversarial_stages=((0.5, 1), (1.0, 6)),
        adversarial_from_natural=True,
        batch_size=50,
        learning_rate=1e-3,
        train_attack="pgd",
        train_attack_steps=3,
        train_step_factor=2.5,
        image_test=None,
        image_eval=300,
        eval_attack_steps=10,
        eval_step_factor=2.5,
        eval_restarts=1,
        # against the official S = 100, S = 25 moved the mean Gini of
        # quick-mode networks by at most 1e-4 (IG_TRIAL in _paper_discussion),
        # at a quarter of the cost
        ig_steps=25,
        ig_batch=2400,
        figure_examples=3,
    ),
    "full": Profile(
        name="full",
        label="FULL (the paper's schedule, appendix J.1)",
        tabular_seeds=(0, 1, 2, 3, 4),
        tabular_max_rows=None,
        image_train=None,
        natural_epochs=NATURAL_EPOCHS,
        adversarial_stages=((1.0, ADVERSARIAL_EPOCHS),),
        adversarial_from_natural=False,
        batch_size=IMAGE_BATCH_SIZE,
        learning_rate=IMAGE_LEARNING_RATE,
        train_attack="pgd",
        train_attack_steps=None,
        train_step_factor=None,
        image_test=None,
        image_eval=None,
        eval_attack_steps=None,
        eval_step_factor=None,
        eval_restarts=1,
        ig_steps=IG_STEPS,
        ig_batch=9900,
        figure_examples=4,
    ),
}


@dataclass
class Result:
    """One dataset x model type: the numbers of one row of the results table."""

    dataset: str
    kind: str
    recipe: str
    setup: str
    accuracy: list = field(default_factory=list)
    robust_accuracy: list = field(default_factory=list)
    gini: list = field(default_factory=list)
    fit_seconds: list = field(default_factory=list)
    eval_seconds: list = field(default_factory=list)
    n_test: int = 0
    n_eval: int = 0
    robust_method: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self):
        """The fields as plain JSON types."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The Result that :meth:`to_dict` gave ``data`` for."""
        return cls(**data)


@contextmanager
def stopwatch(record):
    """Append the wall time of the block, in seconds, to the list ``record``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        record.append(time.perf_counter() - start)
