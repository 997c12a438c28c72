"""The project's own commands (``python -m tools.NAME``).

Importing the package fixes the arithmetic that the chapters' outputs are checked against
(:mod:`tools.arithmetic`; pytest loads this package first too, with ``-p tools``), and puts ``book/`` on the
path so that the tools use initlab's own names, as the chapters do.
"""

import sys
from pathlib import Path

from .arithmetic import use

use()
_BOOK = str(Path(__file__).resolve().parent.parent / "book")
if _BOOK not in sys.path:
    sys.path.append(_BOOK)
