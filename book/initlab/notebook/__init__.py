"""What a chapter calls in a notebook: explorers, printed tables, the quiz and the exercises' self-checks.

- :func:`explore` (``explorer.py``): live ipywidgets controls in Jupyter, pre-rendered frames on the site;
- :func:`print_table` (``tables.py``): the aligned text tables that nbval compares;
- ``quiz.show(chapter)`` (``quiz.py``, questions in ``quizzes/``): the end-of-chapter quiz;
- ``selfcheck.chNN``: one check per exercise with a numeric or code answer.

This layer uses the figures (:mod:`initlab.figures`) and the numerics; neither of them imports it.
"""

from . import quiz
from .explorer import Dropdown, Slider, explore
from .tables import print_table, table

__all__ = ["Dropdown", "Slider", "explore", "print_table", "table", "quiz"]
