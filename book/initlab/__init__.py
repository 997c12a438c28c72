"""initlab: the helper code of the course on weight initialization in deep networks, in three layers.

- **numerics**, the modules at this package's root (numpy only): initializers named as in ``torch.nn.init``
  (``init``), ``activations``, the ``MLP`` with its hand-written backward pass, ``losses``, ``train``,
  ``data``, per-layer measurements (``diagnostics``, ``layer_stats``) and the theory that predicts them
  (``theory``, ``propagation``, ...);
- **figures** (``initlab.figures``, matplotlib): one module per chapter, named after its notebook;
- **notebook helpers** (``initlab.notebook``: ipywidgets, IPython display): explorers, tables, quizzes and
  self-checks.

Each layer imports only the ones before it (a unit test checks it), so a reader who opens ``init.py`` to see
how He initialization works finds numpy and the formula, nothing else.
"""

from . import activations, data, diagnostics, init, layer_stats, losses
from .batchnorm import BatchNorm
from .normalization import GroupNorm, LayerNorm, RMSNorm
from .adam import Adam
from .conv2d import Conv2d
from .lstm import LSTM
from .rnn import RNN
from .mlp import MLP
from .training import History, accuracy, train

__all__ = ["activations", "data", "diagnostics", "init", "layer_stats", "losses", "BatchNorm", "MLP", "History",
           "LayerNorm", "RMSNorm", "GroupNorm", "Adam", "Conv2d", "RNN", "LSTM",
           "accuracy", "train"]
