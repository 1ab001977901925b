"""Devices, random generators and network state for :class:`AdversarialMLPClassifier`.

Everything here is about *where* tensors live and how the network's state moves:
choosing the device, seeding generators on it, taking in-memory snapshots for
interruption and early stopping, and serialising the state through the CPU so
that a pickle written on a GPU loads anywhere. Copying arrays onto a device is
:func:`skadv.utils._torch.as_tensor`.
"""

import io
from contextlib import contextmanager

import torch

from skadv.utils._warnings import warn_caller


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
        warn_caller(
            f"device={device!r} was requested but CUDA is not available; "
            "falling back to the CPU.",
            UserWarning,
        )
        return torch.device("cpu")
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be a CPU or CUDA device, got {device!r}.")
    if resolved.type == "cuda" and resolved.index is not None:
        count = torch.cuda.device_count()
        if resolved.index >= count:
            # torch would fail later, deep inside the first copy to the device
            raise ValueError(
                f"device={device!r} names a CUDA device that this machine lacks: "
                f"it has {count} CUDA device(s), numbered from 0."
            )
    return resolved


def loadable_device(device_name):
    """The recorded device if this machine has it, else the CPU (for unpickling)."""
    device = torch.device(device_name)
    if device.type == "cuda" and not torch.cuda.is_available():
        return torch.device("cpu")
    return device


def make_generator(device, seed):
    """A torch generator on ``device`` seeded with ``seed``."""
    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    return generator


@contextmanager
def seeded_global_rng(device, seed):
    """Seed torch's global generators for ``device`` inside the block only.

    Layers that draw from the global generator during training (dropout in a
    user's network, say) then depend on ``random_state`` alone, and the caller's
    own global random state is left as it was.
    """
    device = torch.device(device)
    cuda = []
    if device.type == "cuda":
        cuda = [device.index if device.index is not None else 0]
    with torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(int(seed))
        for index in cuda:
            torch.cuda.default_generators[index].manual_seed(int(seed))
        yield


def _map_tensors(value, function):
    """Apply ``function`` to every tensor of a nested dict/list state."""
    if isinstance(value, torch.Tensor):
        return function(value)
    if isinstance(value, dict):
        return {k: _map_tensors(v, function) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(v, function) for v in value)
    return value


def snapshot(module, optimizer):
    """Deep copies of the module's and optimizer's states, on their device."""
    clone = lambda t: t.detach().clone()  # noqa: E731
    return (
        _map_tensors(module.state_dict(), clone),
        _map_tensors(optimizer.state_dict(), clone),
    )


def restore(module, optimizer, state):
    """Load a :func:`snapshot` back into ``module`` and ``optimizer``."""
    module.load_state_dict(state[0])
    optimizer.load_state_dict(state[1])


def state_to_bytes(module, optimizer):
    """Serialise the network and optimizer states with every tensor on the CPU."""
    to_cpu = lambda t: t.detach().cpu()  # noqa: E731
    state = {
        "module": _map_tensors(module.state_dict(), to_cpu),
        "optimizer": _map_tensors(optimizer.state_dict(), to_cpu),
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def state_from_bytes(blob):
    """Inverse of :func:`state_to_bytes`, loading tensors only (no pickled code)."""
    return torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
