"""The hand-written discussion of the results, for paper.md.

The quick mode is deterministic (seeded splits, seeded networks, one CPU
thread), so the discussion of its committed numbers is written here once. Other
modes get a short note instead: their numbers have not been discussed.
"""

_QUICK = """
**Tabular data: the paper's claim holds, and the exact solver does at least as
well as the paper.**

- *Mushroom.* The paper's Adam recipe reproduces the published numbers
  (natural 100% / 0.910 vs 100% / 0.91; L1 98.1% / 0.976 vs 97.5% / 0.972;
  adversarial 98.5% / 0.980 vs 98.5% / 0.977). skadv's exact solver gives the
  adversarial model a **higher accuracy (99.3%) and a higher Gini (0.980) than
  the paper's model (98.5% / 0.977)**, and a robust accuracy of 98.4% at
  ε = 0.1 (exact, not an attack). The exact L1 model is slightly more accurate
  and sparser than the paper's (98.0% / 0.976 vs 97.5% / 0.972).
- *Spambase: preprocessing.* We standardise the features (StandardScaler on the
  training split) and measure ε = 0.1 in standard units. The paper does not say,
  but its numbers decide it. With raw features (percentages, run lengths up to
  15,841) most entries of an e-mail are exactly 0, so |x ⊙ w| is sparse
  whatever w is: a natural model gets a Gini of about 0.92, far from the
  published 0.654, and ε = 0.1 is a large budget for a word frequency but a
  negligible one for a run length. With min-max scaling to [0, 1], ε = 0.1
  leaves the adversarial and L1 models at about 60% accuracy. Standardised
  features reproduce the published natural model (92.3% / 0.663 with the
  paper's recipe vs 91.05% / 0.654).
- *Spambase: results.* With the paper's recipe the ordering of the paper is
  reproduced: natural 0.663 < L1 0.790 < adversarial 0.804 (paper: 0.654 <
  0.755 < 0.777), i.e. our L1 and adversarial models are sparser than the
  paper's by about 0.03. With the exact solver, adversarial (0.813) again beats
  L1 (0.802) and natural (0.787).
- *Where we fall short: Spambase accuracy.* Our L1 and adversarial models reach
  88.1-88.2% and 87.4-87.5% (the two recipes), against the paper's 89.8% and
  89.2%. The exact optimum has the same accuracy as the Adam iterate, so this
  is not an optimisation problem, and over our five splits the adversarial
  accuracy ranges from 86.4% to 88.5% (exact) and from 86.1% to 88.7% (the
  paper's recipe): the paper's single split sits slightly above that range.
  A split-to-split spread of ±1 point explains most of the gap; the rest may
  come from details the paper does not give (whether the split was
  stratified, whether the scaler saw the test rows).
  Trading a little Gini for accuracy is possible with a smaller ε.
- *The paper's recipe is followed exactly:* every Adam model runs exactly 30
  epochs (`max_iter=30` with `n_iter_no_change=30`, so the early stop cannot
  fire; the script checks `n_iter_ == 30` and logs the expected
  ConvergenceWarning). The exact optimum, which does not depend on such
  details, gives the same picture.
- *The natural Spambase model depends on when training stops.* The exact,
  essentially unpenalised optimum (ridge 1e-6 on the mean loss) has a Gini of
  0.787 ± 0.02, much higher than the 30-epoch Adam iterate (0.663) and the
  paper (0.654). The optimum leans on a few rare, near-separating words: on
  the first split it puts a weight of −23.6 on `word_freq_george` (the first
  name of the donor of the non-spam mails) and −9.8 on `word_freq_cs`
  (‖w‖₁ = 70, against 6.6 for the adversarial model), so whenever those words
  occur they dominate the attributions. The same optimum is fragile:
  its exact robust accuracy at ε = 0.1 is 32%, against 80% for the adversarial
  model. On two of the five splits its Gini comes within 0.01 of the
  adversarial model's, so the adversarial advantage over natural training on
  Spambase is clear against the paper's recipe (+0.14) but small against the
  exact unpenalised optimum (+0.025 on average).
- For a linear model adversarial training is an L1-like penalty inside the
  loss, ε‖w‖₁ (Lemma 2), so L1 and adversarial models being close on tabular
  data is expected; adversarial training wins by weighting the penalty by the
  examples near the decision boundary, and it also gives by far the best
  robust accuracy.

**Images (quick mode only; the paper's schedule needs a GPU).**

{images}

This run took {total_minutes:.1f} minutes of wall time on the machine above.
The full schedule (`make reproduce FULL=1`, 50,000 training images, 25 natural
and 100 adversarial epochs of 40-step PGD for MNIST) was not run: no CUDA
device was available for this run, and on two CPU cores it would take days.
"""

_IMAGES = """
- The claim holds in the quick mode too, but the effect is small: mean Gini
  over 300 test images 0.923 (adversarial) vs 0.914 (natural) and 0.914 (L1)
  on MNIST, 0.804 vs 0.781 and 0.781 on Fashion-MNIST, at comparable accuracy
  (97.5% vs 96.7% / 96.9% on MNIST; 81.9% vs 84.4% / 82.9% on Fashion-MNIST).
  The paper's examples (Figs. J.6/J.7) show gaps of 0.03-0.13 per image.
- Why we fall short: the quick adversarial models are far from the paper's.
  To fit two shared CPU cores they see 4,000 training images, start from the
  natural network and get 7 epochs of 3-step PGD with ε ramped up to its final
  value (the paper: 50,000 images, 100 epochs of 40-step PGD for MNIST). Their
  PGD robust accuracy at ε = 0.3 is 69% on MNIST, against 92.5% for Madry et
  al.'s model, and 60% at ε = 0.1 on Fashion-MNIST. The sparsity of IG grows
  with adversarial training: in a trial run (3,000 images) the MNIST Gini went
  0.923, 0.925, 0.928, 0.931 after 0, 2, 4 and 6 epochs at ε = 0.3 while robust
  accuracy rose from 15% to 59%, so the full schedule should widen the gap.
- The adversarial network also trained for 7 more epochs than the natural one,
  which probably explains its slightly higher MNIST clean accuracy; on Fashion-MNIST it
  pays 2.6 points of accuracy for its robustness.
- L1: λ = 1e-5 (the paper's image λ is in its Table 1, which we do not have;
  the penalty is λ‖W‖₁ added to the mean cross-entropy of a batch)
  leaves the Gini unchanged and costs up to 1.6 points of accuracy
  (Fashion-MNIST). Stronger penalties do not help: in a trial on MNIST (1,000
  training images, 3 epochs, Gini over 200 test images) λ = 0, 1e-5, 1e-4,
  3e-4 and 1e-3 gave Gini 0.915, 0.914, 0.915, 0.914 and 0.908 at accuracy
  91.9%, 91.8%, 89.3%, 90.8% and 75.1%, so no λ in that range makes a
  sparser L1 baseline, and we keep the mildest. The penalty falls mostly on
  the 3.2 million weights of the dense layer and does not make input
  attributions sparser, in line with the paper's finding that L1
  regularisation does far less for sparseness than adversarial training.
- The figure shows the most confidently classified test images (one per
  class, not chosen by Gini). In the quick mode per-image differences are small
  and not always in favour of the adversarial model (all three Fashion-MNIST
  examples: the sandal, the bag and the trousers); the means above are over
  300 images. The adversarial maps are
  smoother and carry fewer negative (blue) attributions.
"""

_OTHER = """
The discussion of the committed quick-mode results is in the `--quick` version
of this file. The numbers above come from a `--{mode}` run and have not been
discussed; the claim checks above are computed from them. This run took
{total_minutes:.1f} minutes of wall time.
"""


def discussion(mode, total_minutes):
    """Markdown discussion for a run of ``mode`` that took ``total_minutes``."""
    if mode == "quick":
        return _QUICK.format(images=_IMAGES.strip(), total_minutes=total_minutes)
    return _OTHER.format(mode=mode, total_minutes=total_minutes)
