"""Model selection for concise explanations: the paper's rule and its frontier.

:func:`most_concise_within` is a ``refit`` callable for scikit-learn's searches,
with the scoring dict it needs from :func:`conciseness_scoring`;
:func:`conciseness_frontier` cross-validates the adversarial and the L1 path of
one model, and :class:`ConcisenessFrontierDisplay` draws it. Nothing here imports
torch, and matplotlib is imported only when a Display draws.
"""

from skadv.model_selection._display import ConcisenessFrontierDisplay
from skadv.model_selection._frontier import conciseness_frontier
from skadv.model_selection._frontier_result import FrontierResult
from skadv.model_selection._refit import conciseness_scoring, most_concise_within

__all__ = [
    "ConcisenessFrontierDisplay",
    "FrontierResult",
    "conciseness_frontier",
    "conciseness_scoring",
    "most_concise_within",
]
