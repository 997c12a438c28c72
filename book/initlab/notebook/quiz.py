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

# jupyterquiz's palette, replaced by a quiet one that matches the book: a light grey panel per question, dark
# text, white answer buttons, and the light green and red tints of the book's theme for right and wrong (the
# answer's text stays dark on them). Every text/background pair has a contrast of at least 4.5:1 (WCAG AA;
# tests/unit/test_quiz.py computes them). The panel carries its own colours, so it reads the same in a light or a
# dark JupyterLab. On the book's pages, book/_static/initlab-pages.css restyles it with the theme's variables
# instead, in light and dark mode.
PALETTE = {
    "--jq-multiple-choice-bg": "#f3f4f5",
    "--jq-many-choice-bg": "#f3f4f5",
    "--jq-numeric-bg": "#f3f4f5",
    "--jq-string-bg": "#f3f4f5",
    "--jq-mc-button-bg": "#ffffff",
    "--jq-mc-button-border": "#d1d5da",
    "--jq-mc-button-inset-shadow": "#d1d5da",
    "--jq-numeric-input-bg": "#ffffff",
    "--jq-numeric-input-label": "#222832",
    "--jq-numeric-input-shadow": "#d1d5da",
    "--jq-correct-color": "#d6ece1",
    "--jq-incorrect-color": "#f9e1e4",
    "--jq-text-color": "#222832",
    "--jq-link-color": "#0a6b7c",
}

# What jupyterquiz 2.9.6.4 needs besides colours. Its sizes (16-20 pt) become the body text's; its feedback line
# sits on the panel with a coloured edge; a choice that is only math carries a hidden spoken form. And the label
# of a numeric entry box is not tied to its box, so a screen reader announces an unlabelled text field: the
# script ties each label to the box that follows it, once the quiz is drawn.
_ACCESSIBILITY = """<style>
.Quiz { background-color: #f3f4f5; color: #222832; border: 1px solid #d1d5da; border-radius: 8px;
  padding-bottom: 6px; font-family: inherit; font-size: 1rem; line-height: 1.5; }
.Quiz .MultipleChoiceQn, .Quiz .ManyChoiceQn, .Quiz .NumericQn { font-weight: 600; }
.Quiz .MCButton { color: #222832; font-size: 0.95rem; font-weight: normal; border-radius: 4px; }
.Quiz .MCButton.correctButton { box-shadow: inset 0 0 0 1px #00843f; }
.Quiz .MCButton.incorrectButton { box-shadow: inset 0 0 0 1px #d72d47; }
.Quiz .Feedback { font-size: 0.95rem; text-align: left; margin: 0 10px; }
.Quiz .Feedback.correct { color: #222832; background-color: #d6ece1; border-left: 4px solid #00843f;
  padding: 4px 8px; }
.Quiz .Feedback.incorrect { color: #222832; background-color: #f9e1e4; border-left: 4px solid #d72d47;
  padding: 4px 8px; }
.Quiz .Input { font-size: 1rem; }
.Quiz .InpLabel { font-size: 0.95rem; font-weight: normal; }
.Quiz .Input-text { font-size: 1rem; border: 1px solid #d1d5da; }
.Quiz code { background-color: #ffffff; color: #912583; }
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


# On a built page jupyterquiz's script runs inline, while the page is parsed; MathJax 3 loads deferred, after
# parsing. Until then window.MathJax is only Sphinx's configuration object, without .version, and jupyterquiz's
# typeset() reads MathJax.version[0]: "Cannot read properties of undefined (reading '0')", an uncaught exception
# that stops the quiz's drawing and leaves its math untypeset (seen intermittently on the built site). Around
# the quiz's script the bare configuration is set aside, so jupyterquiz skips typesetting, and put back before
# MathJax loads; once MathJax has started, the quizzes are typeset (Sphinx's MathJax configuration ignores
# everything outside .math elements, so its own pass leaves them alone). Where MathJax is already loaded
# (Jupyter, later clicks) nothing changes.
_HIDE_UNLOADED_MATHJAX = ("var initlabMathJaxConfig = (window.MathJax && !window.MathJax.version) ? window.MathJax : null;\n"
                          "if (initlabMathJaxConfig) { delete window.MathJax; }\n")
_RESTORE_MATHJAX = """
if (initlabMathJaxConfig) {
  if (typeof window.MathJax === 'undefined') { window.MathJax = initlabMathJaxConfig; }
  window.addEventListener('load', function () {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise && MathJax.typeset) {
      MathJax.startup.promise.then(function () { MathJax.typeset(Array.from(document.querySelectorAll('.Quiz'))); });
    }
  });
}
"""


def _guarded(display_function):
    """``display_function`` with every Javascript it is given wrapped in the MathJax guard above."""
    from IPython.display import Javascript

    def display_guarded(obj, *args, **kwargs):
        if isinstance(obj, Javascript):
            obj = Javascript(_HIDE_UNLOADED_MATHJAX + obj.data + _RESTORE_MATHJAX)
        return display_function(obj, *args, **kwargs)

    return display_guarded


def show(name):
    """Display chapter ``name``'s quiz in the notebook (and, when the book is built, on its page)."""
    from jupyterquiz import display_quiz  # a reader who never opens a quiz does not need it
    from jupyterquiz.dynamic import display as jupyterquiz_display

    questions = copy.deepcopy(load(name))
    for question in questions:
        for answer in question["answers"]:
            if "spoken" in answer:
                answer["answer"] += f'<span class="initlab-spoken">{answer.pop("spoken")}</span>'
    # jupyterquiz names its container with random letters; seeding them from the chapter's name makes the
    # stored output the same on every run (nbval compares it), without disturbing anyone's use of `random`.
    state = random.getstate()
    random.seed(f"initlab quiz {name}")
    plain_display = jupyterquiz_display.display
    jupyterquiz_display.display = _guarded(plain_display)
    try:
        display_quiz(questions, shuffle_answers=False, colors=PALETTE)
    finally:
        jupyterquiz_display.display = plain_display
        random.setstate(state)
    display(HTML(_ACCESSIBILITY))
