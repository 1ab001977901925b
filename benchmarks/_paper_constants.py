"""The paper's published numbers and set-up, defined once for every benchmark.

Chalasani et al., "Concise Explanations of Neural Networks using Adversarial
Training" (ICML 2020): hyper-parameters from appendix J.1, results from the
authors' result files and from Madry et al. (2017) for the MNIST network.
"""

# Tabular data (Mushroom, Spambase): logistic regression.
TABULAR_EPSILON = 0.1
# L1 strength on the *mean* training loss.
L1_LAMBDA = {"mushroom": 0.01, "spambase": 0.02}
TEST_SIZE = 0.3  # a 70/30 train/test split
# The training loop: Adam on minibatches.
ADAM_LEARNING_RATE = 0.01
ADAM_BATCH_SIZE = 32
ADAM_EPOCHS = 30

# dataset -> model kind -> (test accuracy, mean Gini index of IG)
PAPER_TABULAR = {
    "mushroom": {
        "natural": (1.00, 0.91),
        "l1": (0.975, 0.972),
        "adversarial": (0.985, 0.977),
    },
    "spambase": {
        "natural": (0.9105, 0.654),
        "l1": (0.898, 0.755),
        "adversarial": (0.892, 0.777),
    },
}

# Images (MNIST, Fashion-MNIST): the CNN of Madry et al.
IMAGE_EPSILON = {"mnist": 0.3, "fashion": 0.1}
TRAIN_IMAGES = 50_000
IMAGE_LEARNING_RATE = 1e-4
IMAGE_BATCH_SIZE = 50
NATURAL_STEPS = 25_000
ADVERSARIAL_STEPS = 100_000
NATURAL_EPOCHS = NATURAL_STEPS * IMAGE_BATCH_SIZE // TRAIN_IMAGES
ADVERSARIAL_EPOCHS = ADVERSARIAL_STEPS * IMAGE_BATCH_SIZE // TRAIN_IMAGES
PGD_STEP_SIZE = 0.01


def pgd_steps(epsilon):
    """The paper's number of PGD steps at budget ``epsilon``: 100 * eps + 10.

    Examples
    --------
    >>> from benchmarks._paper_constants import pgd_steps
    >>> pgd_steps(0.3), pgd_steps(0.1)
    (40, 20)
    """
    return int(round(100 * epsilon + 10))


# Robust accuracy at epsilon = 0.3 of Madry et al.'s adversarially trained MNIST
# network, the network the paper's MNIST model is identical to.
MADRY_MNIST_ROBUST = {"PGD, 100 steps": 0.925, "PGD, 50 restarts": 0.896}
# Smallest and largest Gini gap, adversarial over natural, of the example
# images of Figs. J.6 and J.7.
FIGURE_GINI_GAPS = (0.03, 0.13)
