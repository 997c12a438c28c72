"""The short quiz at the end of each chapter, checked as you answer, in Jupyter, on Colab and on the static site.

``show("01_vanishing_gradients")`` displays the questions of ``initlab/notebook/quizzes/01_vanishing_gradients.json``
with jupyterquiz (https://github.com/jmshea/jupyterquiz): plain HTML and JavaScript in the cell's output,
so the quiz needs no kernel once displayed and works on the book's pages. The question format is
jupyterquiz's: a list of questions, each

- ``{"question": …, "type": "multiple_choice" | "many_choice", "answers": [{"answer": …, "correct": bool,
  "feedback": …}, …]}`` (many_choice: select all that are right), or
- ``{"question": …, "type": "numeric", "precision": digits, "answers": [{"type": "value", "value": x,
  "correct": true, "feedback": …} | {"type": "range", "range": [lo, hi], "correct": bool, "feedback": …},
  …, {"type": "default", "feedback": …}]}``.

Every answer carries feedback that says why, right or wrong. A choice that is only a formula (``"$1/4$"``) also
carries ``"spoken": "one quarter"``: what a screen reader announces for it, since it cannot read the typeset math.
"""

import copy
import json
import random
import re
from importlib import resources

from IPython.display import HTML, display

__all__ = ["show", "load", "validate", "names"]

# jupyterquiz's palette, with contrasts of at least 4.5:1 (WCAG AA) for every text it shows: white on the
# question panels and on an answered button (dark green or red), the entry box dark so typed text is white on it.
PALETTE = {
    "--jq-multiple-choice-bg": "#392061",
    "--jq-many-choice-bg": "#7a2e0e",
    "--jq-numeric-bg": "#392061",
    "--jq-numeric-input-bg": "#1d0f33",
    "--jq-numeric-input-label": "#fafafa",
    "--jq-correct-color": "#006b12",
    "--jq-incorrect-color": "#b00000",
    "--jq-text-color": "#fafafa",
}

# Two fixes jupyterquiz 2.9.6.4 needs for its quizzes to be readable and usable by everyone. Its feedback line
# and the label of a numeric entry box sit on the page's own background (white, or near black in a dark theme)
# in a fixed colour, unreadable in one theme or the other: each question becomes one dark panel, and the feedback
# takes light shades of green and red. And that label is not tied to its box, so a screen reader announces an
# unlabelled text field: the script ties each label to the box that follows it, once the quiz is drawn.
_ACCESSIBILITY = """<style>
.Quiz { background-color: #392061; color: #fafafa; padding-bottom: 6px; }
.Quiz .Feedback.correct { color: #8fe39a; }
.Quiz .Feedback.incorrect { color: #ffb3b3; }
.Quiz .initlab-spoken { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
</style>
<script>
(() => {
  const tie = () => document.querySelectorAll(".Quiz .InpLabel").forEach((label) => {
    const box = label.nextElementSibling;
    if (box && box.id && !label.htmlFor) label.htmlFor = box.id;
  });
  new MutationObserver(tie).observe(document.body, {childList: true, subtree: true});
  tie();
})();
</script>"""

_CHOICE_TYPES = ("multiple_choice", "many_choice")
_ONLY_MATH = re.compile(r"\s*\$[^$]*\$\s*")
_TYPES = (*_CHOICE_TYPES, "numeric")


def names():
    """The chapters that have a quiz."""
    return sorted(p.name[:-5] for p in resources.files(__package__).joinpath("quizzes").iterdir()
                  if p.name.endswith(".json"))


def load(name):
    """The questions of chapter ``name`` (a notebook name without .ipynb), validated."""
    available = names()
    if name not in available:
        raise ValueError(f"name must be one of {available}, got {name!r}")
    text = resources.files(__package__).joinpath("quizzes", f"{name}.json").read_text(encoding="utf-8")
    questions = json.loads(text)
    validate(questions, name)
    return questions


def validate(questions, name="quiz"):
    """Raise ValueError unless ``questions`` is a well-formed quiz in which every question can be answered right."""
    if not isinstance(questions, list) or not questions:
        raise ValueError(f"{name}: a quiz is a non-empty list of questions")
    for i, q in enumerate(questions, 1):
        where = f"{name}, question {i}"
        if q.get("type") not in _TYPES:
            raise ValueError(f"{where}: type must be one of {_TYPES}, got {q.get('type')!r}")
        if not str(q.get("question", "")).strip():
            raise ValueError(f"{where}: the question text is empty")
        answers = q.get("answers") or []
        if q["type"] in _CHOICE_TYPES:
            if len(answers) < 2 or any(not str(a.get("answer", "")).strip() for a in answers):
                raise ValueError(f"{where}: a choice question needs at least two non-empty answers")
            unspoken = [a["answer"] for a in answers if _ONLY_MATH.fullmatch(a["answer"]) and not a.get("spoken")]
            if unspoken:
                raise ValueError(f"{where}: answers that are only math need a 'spoken' form: {unspoken}")
            correct = sum(bool(a.get("correct")) for a in answers)
            if correct < 1 or (q["type"] == "multiple_choice" and correct != 1):
                raise ValueError(f"{where}: {q['type']} has {correct} correct answers")
        else:
            if not any(a.get("correct") and a.get("type") in ("value", "range") for a in answers):
                raise ValueError(f"{where}: a numeric question needs a correct value or range")
            if not isinstance(q.get("precision"), int):
                raise ValueError(f"{where}: a numeric question needs an integer 'precision'")
        if any(not str(a.get("feedback", "")).strip() for a in answers):
            raise ValueError(f"{where}: every answer needs feedback that says why")


def show(name):
    """Display chapter ``name``'s quiz in the notebook (and, when the book is built, on its page)."""
    from jupyterquiz import display_quiz  # a reader who never opens a quiz does not need it

    questions = copy.deepcopy(load(name))
    for question in questions:
        for answer in question["answers"]:
            if "spoken" in answer:
                answer["answer"] += f'<span class="initlab-spoken">{answer.pop("spoken")}</span>'
    # jupyterquiz names its container with random letters; seeding them from the chapter's name makes the
    # stored output the same on every run (nbval compares it), without disturbing anyone's use of `random`.
    state = random.getstate()
    random.seed(f"initlab quiz {name}")
    try:
        display_quiz(questions, shuffle_answers=False, colors=PALETTE)
    finally:
        random.setstate(state)
    display(HTML(_ACCESSIBILITY))
