"""The paper's published numbers and set-up, defined once for every benchmark.

Chalasani et al., "Concise Explanations of Neural Networks using Adversarial
Training" (ICML 2020). The tabular set-up is that of the authors' code
(github.com/jfc43/advex, ``One-layer-Experiments``; the recipe itself is in
``_paper_recipe``), the tabular results are their result files
(``One-layer-Experiments/AISTATS2020/mushroom_results_ADAM.txt`` and
``spambase_results_ADAM.txt``), the image set-up is appendix J.1 and the
MNIST network's robust accuracy that of Madry et al. (2017).
"""

# Tabular data (Mushroom, Spambase): logistic regression.
TABULAR_EPSILON = 0.1
# L1 strength lambda of the published L1 models, on the *mean* training loss
# (Keras's kernel_regularizer=l1(lambda) added to the mean cross-entropy).
L1_LAMBDA = {"mushroom": 0.01, "spambase": 0.02}
# The published Gini indices were computed by the official evaluation, which
# adds 1e-7 to every |attribution| (``advtrain/model_metrics.py``, ``gini``).
PUBLISHED_GINI_CONVENTION = "gini_offset"

# dataset -> model kind -> (test accuracy, mean Gini index of IG with the offset)
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
# Integrated Gradients as the official evaluation computes it
# (DNN-Experiments/MNIST/utils.py, function integrated_gradients, called by
# eval_ig.py): the gradient of the true-class logit (``model.output_input_gradient``
# in model.py) at the S points (k / S) x, k = 1..S, of the path from the
# all-black image, of which all but the last are averaged -- nodes k / S,
# k = 1..S-1, with weights 1 / (S - 1). S is "IG_steps" of
# DNN-Experiments/MNIST/config.json, the file eval_ig.py reads (the same in
# Fashion-MNIST/config.json).
IG_STEPS = 100
# The official Gini index adds this to every |attribution| before sorting
# (DNN-Experiments/MNIST/utils.py, function gini).
GINI_OFFSET = 1e-7
# The published means run over every image of the test set (eval_ig.py).
TEST_IMAGES = 10_000
# The official L1 baseline adds l1_scale * (sum of |w| over all trainable
# variables) to the cross-entropy summed over a batch
# (DNN-Experiments/MNIST/train_nat_l1_reg.py, "l1_scale" of
# nat_l1_reg_config.json, the same for Fashion-MNIST); per image of a batch
# that is l1_scale / batch size on the mean loss.
IMAGE_L1_SCALE = 0.01


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
