"""initlab: the helper code of the course on weight initialization in deep networks.

The numerics (``init``, ``activations``, ``MLP``, ``losses``, ``train``, ``data``,
``diagnostics``) use numpy only and know nothing of figures. ``initlab.plots`` and
``initlab.figures`` draw with matplotlib; ``initlab.interactive`` adds sliders. Import those
explicitly: ``from initlab import figures``.
"""

from . import activations, data, diagnostics, init, losses
from .batchnorm import BatchNorm
from .mlp import MLP
from .training import History, accuracy, train

__all__ = ["activations", "data", "diagnostics", "init", "losses", "BatchNorm", "MLP", "History", "accuracy", "train"]
