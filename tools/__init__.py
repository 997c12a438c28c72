"""The project's own commands (``python -m tools.NAME``). Importing the package fixes the arithmetic that the
chapters' outputs are checked against (:mod:`tools.arithmetic`); pytest loads it first too (``-p tools``)."""

from .arithmetic import use

use()
