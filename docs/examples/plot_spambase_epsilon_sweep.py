"""
=====================================
The epsilon sweep on Spambase
=====================================

How much accuracy does robustness cost, and what does it buy? We train
:class:`~skadv.linear_model.AdversarialLogisticRegression` on the 57
standardised Spambase features for a range of :math:`\\epsilon` and record, on
the test set:

- the clean accuracy,
- the robust accuracy at the training :math:`\\epsilon` (exact for a linear
  model),
- the mean Gini index of the Integrated Gradients attributions,
- the number of non-zero weights.

The weights of weak features go to zero as :math:`\\epsilon` grows (the pruning
effect explained in the user guide), and the explanations become more concise,
while the accuracy falls only slowly at first.
"""

# %%
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skadv.datasets import load_spambase
from skadv.inspection import gini_index, integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

X, y = load_spambase(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

epsilons = [0.0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]
rows = []
for epsilon in epsilons:
    model = make_pipeline(
        StandardScaler(), AdversarialLogisticRegression(epsilon=epsilon)
    ).fit(X_train, y_train)
    attributions = integrated_gradients(model, X_test, y_test)
    rows.append(
        (
            model.score(X_test, y_test),
            robust_accuracy_score(model, X_test, y_test, epsilon=epsilon),
            gini_index(attributions).mean(),
            int(np.count_nonzero(model[-1].coef_)),
        )
    )
accuracy, robust, gini, nonzero = map(np.array, zip(*rows))

print(" epsilon  accuracy  robust  Gini of IG  non-zero weights")
for epsilon, row in zip(epsilons, rows):
    print(f"{epsilon:8.2f}  {row[0]:8.3f}  {row[1]:6.3f}  {row[2]:10.3f}  {row[3]:16d}")

# %%
# Plot the trade-off
# ------------------
import matplotlib.pyplot as plt

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
left.plot(epsilons, accuracy, "o-", label="accuracy")
left.plot(epsilons, robust, "s-", label="robust accuracy at eps")
left.plot(epsilons, gini, "^-", label="mean Gini of IG")
left.set_xlabel("epsilon")
left.set_ylim(0, 1)
left.legend(loc="lower left")
left.set_title("Accuracy against conciseness")

right.plot(epsilons, nonzero, "o-", color="C3")
right.set_xlabel("epsilon")
right.set_ylabel("non-zero weights (of 57)")
right.set_title("Weak features are pruned")
plt.show()
