"""Figures (matplotlib): one module per chapter, named after the chapter's notebook, plus what they share.

- ``style.py``: the book's figure style and the large-font projector style;
- ``drawing.py``: drawing helpers every chapter uses (a figure outside pyplot, per-layer log plots that mark
  inf/NaN instead of drawing them, training curves);
- ``vanishing_gradients.py`` … ``beyond_xavier_he.py``: a named function per static figure and a class per
  interactive one. An interactive figure draws its artists once in ``__init__``, moves them in
  ``update(**params)`` and says what a setting shows in ``describe(**params)`` (the alt text);
  :func:`initlab.notebook.explore` adds the controls.

Figures only draw: what they show is computed by the numerics (the modules at the package root), which never
import matplotlib.
"""
