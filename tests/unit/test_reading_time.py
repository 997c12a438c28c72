"""Every chapter states its reading time under its title, and the statement matches its prose.

The estimate: words of prose in the markdown cells (display and inline math, code, directive option lines
and exercise solutions left out) at 200 words a minute. A chapter's stated minutes must be within 15 % (at
least 2 minutes) of that count, and no chapter's prose may run past about an hour.
"""

import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
WORDS_PER_MINUTE = 200
MAX_MINUTES = 60


def prose_words(cells):
    """Words of prose in a notebook's markdown cells, solutions excluded."""
    words, in_solution = 0, False
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        if re.search(r"\{solution-start\}|\{solution\}", text):
            in_solution = "solution-start" in text
            continue
        if in_solution:
            in_solution = "{solution-end}" not in text
            continue
        text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
        text = re.sub(r"\$[^$]+\$", " M ", text)
        text = re.sub(r"```.*?```", " ", text, flags=re.S)
        text = re.sub(r"^:[a-z-]+:.*$", " ", text, flags=re.M)
        text = re.sub(r"\{[a-z:-]+\}`([^`<]*)(<[^>]*>)?`", r"\1", text)
        text = re.sub(r"[`*#|>\[\]()_-]", " ", text)
        words += len(re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.,;:!?%]*", text))
    return words


def test_word_count_skips_math_code_and_solutions():
    cells = [{"cell_type": "markdown", "source": ["One two $x^2$ three.\n\n$$\na + b\n$$\n"]},
             {"cell_type": "markdown", "source": ["````{solution-start} ex\n:class: dropdown\n````"]},
             {"cell_type": "markdown", "source": ["hidden words here"]},
             {"cell_type": "markdown", "source": ["````{solution-end}\n````"]},
             {"cell_type": "code", "source": ["print('not prose')"]}]
    assert prose_words(cells) == 4  # One, two, M (the inline formula), three.


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_stated_reading_time_matches_the_prose(path):
    cells = json.loads(path.read_text())["cells"]
    title = "".join(cells[0]["source"])
    stated = re.search(r"Reading time: about (\d+) minutes", title)
    assert stated, f"{path.name}: no 'Reading time: about N minutes' line under the title"
    assert "Prerequisites" in title, f"{path.name}: no prerequisites under the title"
    minutes = prose_words(cells) / WORDS_PER_MINUTE
    assert minutes <= MAX_MINUTES, f"{path.name}: {minutes:.0f} minutes of prose, more than about an hour"
    assert abs(int(stated.group(1)) - minutes) <= max(2, 0.15 * minutes), (
        f"{path.name} says {stated.group(1)} minutes; its prose is {minutes:.1f} minutes at "
        f"{WORDS_PER_MINUTE} words a minute")
