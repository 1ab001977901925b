"""Torch-side machinery of :class:`AdversarialMLPClassifier`.

Device choice, the per-epoch training step, batched inference, input gradients,
PGD-based robustness checks and (de)serialisation of the network live here so
that the estimator module itself never imports torch at import time.
"""

import io
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from skadv.neural_network._attacks import fgsm, pgd
from skadv.neural_network._modules import penalized_weights

#: Rows per forward pass at inference; bounds memory for large inputs.
INFERENCE_BATCH_SIZE = 512


def resolve_device(device):
    """Turn the ``device`` parameter into a :class:`torch.device`.

    ``"auto"`` picks CUDA when available. A CUDA request on a machine without a
    GPU falls back to the CPU with a warning rather than failing, so a script
    written for a GPU box still runs elsewhere.
    """
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:<index>', got {device!r}."
        ) from exc
    if resolved.type == "cuda" and not torch.cuda.is_available():
        warnings.warn(
            f"device={device!r} was requested but CUDA is not available; "
            "falling back to the CPU.",
            UserWarning,
            stacklevel=3,
        )
        return torch.device("cpu")
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}.")
    return resolved


def make_generator(device, seed):
    """A torch generator on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


def as_tensor(values, device, dtype=torch.float32):
    """Copy ``values`` (scalar or ndarray) to a tensor on ``device``."""
    values = np.asarray(values)
    if not values.flags.writeable:
        # torch cannot wrap read-only memory (e.g. a memmap); copy instead
        values = values.copy()
    return torch.as_tensor(values, dtype=dtype, device=device)


class AttackSpec:
    """Everything an attack needs besides the model and the batch.

    Parameters
    ----------
    kind : {"pgd", "fgsm"} or None
        None means natural training (no attack).
    epsilon, clip : tensors on the training device (clip may be None).
    steps : int
    step_size : float or None
    random_start : bool
    generator : torch.Generator
    """

    def __init__(self, kind, epsilon, clip, steps, step_size, random_start, generator):
        self.kind = kind
        self.epsilon = epsilon
        self.clip = clip
        self.steps = steps
        self.step_size = step_size
        self.random_start = random_start
        self.generator = generator

    def __call__(self, module, X, y):
        if self.kind is None:
            return X
        if self.kind == "fgsm":
            return fgsm(
                module,
                X,
                y,
                self.epsilon,
                step_size=self.step_size,
                random_start=self.random_start,
                clip=self.clip,
                generator=self.generator,
            )
        return pgd(
            module,
            X,
            y,
            self.epsilon,
            steps=self.steps,
            step_size=self.step_size,
            random_start=self.random_start,
            clip=self.clip,
            generator=self.generator,
        )


def training_loss(module, X, y, alpha, l1):
    """Mean cross-entropy plus the weight penalties, as one differentiable scalar.

    ``alpha`` is an L2 penalty scaled like scikit-learn's MLP,
    ``0.5 * alpha * ||W||^2 / batch_size``; ``l1`` is the paper's L1 baseline,
    ``l1 * ||W||_1``. Biases are not penalized.
    """
    loss = F.cross_entropy(module(X), y)
    if alpha or l1:
        weights = penalized_weights(module)
        if alpha:
            squares = sum(w.pow(2).sum() for w in weights)
            loss = loss + 0.5 * alpha * squares / X.shape[0]
        if l1:
            loss = loss + l1 * sum(w.abs().sum() for w in weights)
    return loss


class EpochReporter:
    """Progress of one epoch: a tqdm bar on a terminal, plain log lines otherwise."""

    def __init__(self, verbose, epoch, n_batches):
        self.verbose = verbose
        self.epoch = epoch
        self.bar = None
        if verbose and sys.stderr.isatty():
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(
                    total=n_batches, desc=f"epoch {epoch}", unit="batch", leave=False
                )

    def update(self, loss):
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)

    def close(self, loss, extra=""):
        if self.bar is not None:
            self.bar.close()
        if self.verbose:
            print(f"Iteration {self.epoch}, loss = {loss:.8f}{extra}", flush=True)


def train_epoch(
    module, optimizer, X, y, *, batch_size, order, attack, alpha, l1, reporter
):
    """One pass over the data: attack each minibatch, then take an Adam step.

    Parameters
    ----------
    module, optimizer : the network and its optimizer.
    X, y : tensors on the training device.
    batch_size : int
    order : torch.Tensor of shape (n_samples,)
        Sample order for this epoch (on the device of ``X``).
    attack : AttackSpec
    alpha, l1 : float
        Weight penalties, see :func:`training_loss`.
    reporter : EpochReporter

    Returns
    -------
    mean_loss : float
        Training loss averaged over samples (adversarial when attacking).
    """
    module.train()
    total = torch.zeros((), dtype=torch.float64, device=X.device)
    n_samples = X.shape[0]
    for start in range(0, n_samples, batch_size):
        index = order[start : start + batch_size]
        X_batch, y_batch = X[index], y[index]
        X_batch = attack(module, X_batch, y_batch)
        loss = training_loss(module, X_batch, y_batch, alpha, l1)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        total += loss.detach() * X_batch.shape[0]
        if reporter.bar is not None:
            reporter.update(loss.item())
    return total.item() / n_samples


@torch.no_grad()
def predict_logits(module, X, device, batch_size=INFERENCE_BATCH_SIZE):
    """Logits of ``X`` (ndarray) as a float64 ndarray, computed batch by batch."""
    module.eval()
    out = []
    for start in range(0, X.shape[0], batch_size):
        X_batch = as_tensor(X[start : start + batch_size], device)
        out.append(module(X_batch).double().cpu().numpy())
    if not out:
        return np.empty((0, 0))
    return np.concatenate(out)


def output_and_gradient(
    module, X, target, output, device, batch_size=INFERENCE_BATCH_SIZE
):
    """Values and input gradients of each row's target proba or logit."""
    module.eval()
    values = np.empty(X.shape[0])
    grads = np.empty(X.shape, dtype=np.float64)
    for start in range(0, X.shape[0], batch_size):
        stop = start + batch_size
        X_batch = as_tensor(X[start:stop], device).requires_grad_(True)
        t = torch.as_tensor(target[start:stop], dtype=torch.long, device=device)
        with torch.enable_grad():
            logits = module(X_batch)
            if output == "proba":
                chosen = torch.softmax(logits, dim=1).gather(1, t[:, None])[:, 0]
            else:
                chosen = logits.gather(1, t[:, None])[:, 0]
            (grad,) = torch.autograd.grad(chosen.sum(), X_batch)
        values[start:stop] = chosen.detach().double().cpu().numpy()
        grads[start:stop] = grad.double().cpu().numpy()
    return values, grads


def robust_correct(
    module, X, y, attack, device, *, restarts, batch_size=INFERENCE_BATCH_SIZE
):
    """Whether each row stays correct on the clean point and after every restart.

    ``y`` holds class indices, with -1 for labels the model does not know.
    """
    module.eval()
    correct = np.empty(X.shape[0], dtype=bool)
    for start in range(0, X.shape[0], batch_size):
        stop = start + batch_size
        X_batch = as_tensor(X[start:stop], device)
        y_np = y[start:stop]
        known = torch.as_tensor(y_np >= 0, device=device)
        y_batch = torch.as_tensor(np.maximum(y_np, 0), dtype=torch.long, device=device)
        with torch.no_grad():
            ok = (module(X_batch).argmax(1) == y_batch) & known
        for _ in range(restarts):
            X_adv = attack(module, X_batch, y_batch)
            with torch.no_grad():
                ok &= module(X_adv).argmax(1) == y_batch
        correct[start:stop] = ok.cpu().numpy()
    return correct


def snapshot(module, optimizer):
    """Deep copies of the module's and optimizer's states (same device)."""
    module_state = {k: v.detach().clone() for k, v in module.state_dict().items()}
    optimizer_state = _clone_state(optimizer.state_dict())
    return module_state, optimizer_state


def _clone_state(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _clone_state(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone_state(v) for v in value]
    return value


def restore(module, optimizer, state):
    """Load a :func:`snapshot` back into ``module`` and ``optimizer``."""
    module.load_state_dict(state[0])
    optimizer.load_state_dict(state[1])


def state_to_bytes(module, optimizer):
    """Serialise the network and optimizer states with every tensor on the CPU."""
    module_state = {k: v.detach().cpu() for k, v in module.state_dict().items()}
    optimizer_state = _to_cpu(optimizer.state_dict())
    buffer = io.BytesIO()
    torch.save({"module": module_state, "optimizer": optimizer_state}, buffer)
    return buffer.getvalue()


def _to_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    return value


def state_from_bytes(blob):
    """Inverse of :func:`state_to_bytes`, loading tensors only (no pickled code)."""
    return torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
