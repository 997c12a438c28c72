"""The chapters' figures, one module per chapter topic: a named function per static figure, a class
per interactive one.

An interactive figure class draws its artists once in ``__init__``, moves them in
``update(**params)`` and says what a setting shows in ``describe(**params)`` (the alt text);
``initlab.interactive.explore`` adds the controls. Chapter 1's figures are re-exported here
(``figures.GradientNormFigure``); later chapters import their module
(``from initlab.figures import xavier``).
"""

from .vanishing import (GradientNormFigure, UpdateRatioFigure, gradient_histograms_figure, remedies_figure,
                        training_figure)

__all__ = ["GradientNormFigure", "UpdateRatioFigure", "gradient_histograms_figure", "remedies_figure",
           "training_figure"]
