"""Datasets: two bundled UCI tables and fetchers for image benchmarks.

``load_mushroom`` and ``load_spambase`` read copies shipped inside the package;
``fetch_mnist``, ``fetch_fashion_mnist`` and ``fetch_cifar10`` read the original
distribution files from a data folder (``SKADV_DATA`` or ``~/skadv_data``),
downloading them when allowed and always checking their published checksums.
"""

from skadv.datasets._cifar import fetch_cifar10
from skadv.datasets._mnist import fetch_fashion_mnist, fetch_mnist
from skadv.datasets._mushroom import load_mushroom
from skadv.datasets._spambase import load_spambase

__all__ = [
    "fetch_cifar10",
    "fetch_fashion_mnist",
    "fetch_mnist",
    "load_mushroom",
    "load_spambase",
]
