"""Explanations: Integrated Gradients, the Gini index and feature impact.

Nothing here imports torch unless a ``torch.nn.Module`` is explained, and
matplotlib is imported only when a Display draws.
"""

from skadv.inspection._baselines import baseline_from
from skadv.inspection._feature_impact import FeatureImpactTransformer, feature_impact
from skadv.inspection._gini import feature_gini, gini_index
from skadv.inspection._integrated_gradients import integrated_gradients
from skadv.inspection._plot import FeatureImpactDisplay, SaliencyMapDisplay

__all__ = [
    "FeatureImpactDisplay",
    "FeatureImpactTransformer",
    "SaliencyMapDisplay",
    "baseline_from",
    "feature_gini",
    "feature_impact",
    "gini_index",
    "integrated_gradients",
]
