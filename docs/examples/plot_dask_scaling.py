"""
===================================
Fitting and explaining a dask array
===================================

:class:`~skadv.linear_model.AdversarialLogisticRegression` fits a dask array
block by block: each evaluation of the objective runs the compiled kernel on
every block of rows where that block lives and adds up the partial sums, while
the solver runs here. The optimum is the one the in-memory fit finds.
Predictions and :func:`~skadv.inspection.integrated_gradients` stay lazy on
dask arrays and are computed block by block too.

The example runs a small problem on a ``LocalCluster`` of two in-process
workers; with ``Client("tcp://scheduler:8786")`` the same code runs on a real
cluster (see :ref:`scaling_out`).
"""

# %%
import time

import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client

from skadv.inspection import integrated_gradients
from skadv.linear_model import AdversarialLogisticRegression
from skadv.metrics import robust_accuracy_score

# A LocalCluster of two workers in this process, started by the Client.
client = Client(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
)

# %%
# Data in blocks of rows
# ----------------------
# 100,000 rows of 20 features, of which only the first five matter, made by
# the workers in eight blocks of rows and kept in their memory (``persist``),
# so that every pass of the solver reads them from there. A copy in memory
# serves the comparison.
n_rows, n_features = 100_000, 20
rng = da.random.default_rng(0)
X_dask = rng.standard_normal((n_rows, n_features), chunks=(n_rows // 8, n_features))
w_true = np.r_[np.linspace(2.0, 0.5, 5), np.zeros(n_features - 5)]
noise = rng.standard_normal(n_rows, chunks=n_rows // 8)
y_dask = (X_dask @ w_true + noise > 0).astype(int)
X_dask, y_dask = dask.persist(X_dask, y_dask)
X, y = dask.compute(X_dask, y_dask)
print(f"{X_dask.numblocks[0]} blocks of {X_dask.chunks[0][0]} rows")

# %%
# The same model, on dask and in memory
# -------------------------------------
# Only the coefficients travel to the blocks, and one partial sum of
# ``n_features + 3`` numbers comes back from each: the rows never move.
start = time.perf_counter()
on_dask = AdversarialLogisticRegression(epsilon=0.05).fit(X_dask, y_dask)
seconds_dask = time.perf_counter() - start
start = time.perf_counter()
in_memory = AdversarialLogisticRegression(epsilon=0.05).fit(X, y)
seconds_memory = time.perf_counter() - start

difference = np.max(np.abs(on_dask.coef_ - in_memory.coef_))
print(f"fit on dask: {seconds_dask:.2f} s, in memory: {seconds_memory:.2f} s")
print(f"largest difference between the coefficients: {difference:.1e}")

# %%
# On data this small the in memory fit is faster: each evaluation of the
# objective on dask is a round of tasks, and the scheduler's latency is worth
# paying only for data that do not fit in one machine's memory.
#
# Lazy explanations
# -----------------
# Given a dask array, ``integrated_gradients`` returns a dask array with the
# row chunks of ``X``: each block of rows is explained where it lives when the
# result is computed. Here only the mean absolute attribution of every feature
# comes back.
attributions = integrated_gradients(on_dask, X_dask)
print(type(attributions).__name__, attributions.chunks[0][:3], "...")
impact = np.abs(attributions).mean(axis=0).compute()
eager = np.abs(integrated_gradients(in_memory, X)).mean(axis=0)
gap = np.abs(impact - eager).max()
print(f"largest difference from the eager mean attributions: {gap:.1e}")

robust = robust_accuracy_score(on_dask, X_dask, y_dask, epsilon=0.05)
print(f"robust accuracy at epsilon=0.05: {robust:.3f}")

# %%
# The two fits agree coefficient by coefficient, and the fifteen features that
# do not enter the labels get no attribution at all: at this budget,
# adversarial training sets their weights to exactly zero.
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
left.plot(in_memory.coef_.ravel(), on_dask.coef_.ravel(), "o")
limits = [on_dask.coef_.min() - 0.1, on_dask.coef_.max() + 0.1]
left.plot(limits, limits, color="grey", lw=0.8)
left.set_xlabel("coefficient, fitted in memory")
left.set_ylabel("coefficient, fitted on dask")
right.bar(np.arange(n_features), impact)
right.set_xlabel("feature")
right.set_ylabel("mean |IG| (computed on dask)")
plt.show()

# %%
client.close()
