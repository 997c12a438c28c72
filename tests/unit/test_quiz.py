"""initlab.quiz: every chapter has a well-formed quiz, and showing it gives the same output on every run."""

import copy
import json
import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from initlab.notebook import quiz

ROOT = Path(__file__).resolve().parents[2]

GOOD = [
    {"question": "Largest slope of the sigmoid?", "type": "multiple_choice",
     "answers": [{"answer": "1/4", "correct": True, "feedback": "σ′ = σ(1 − σ)."},
                 {"answer": "1", "correct": False, "feedback": "That is tanh′(0)."}]},
    {"question": "2 to the power -10?", "type": "numeric", "precision": 3,
     "answers": [{"type": "value", "value": 0.000977, "correct": True, "feedback": "Ten halvings."},
                 {"type": "default", "feedback": "Multiply ten factors of 1/2."}]},
]


def chapters():
    return sorted(p.stem for p in (ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def test_every_chapter_has_a_quiz_and_every_quiz_a_chapter():
    assert quiz.names() == chapters()


@pytest.mark.parametrize("name", chapters())
def test_each_chapter_quiz_is_valid_and_shown_at_the_end_of_its_chapter(name):
    questions = quiz.load(name)
    assert 5 <= len(questions) <= 8, f"{name}: {len(questions)} questions"
    assert any(q["type"] == "numeric" for q in questions), f"{name}: no numeric question"
    cells = json.loads((ROOT / "book" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert f'quiz.show("{name}")' in code[-1], f"{name}: the last code cell does not show the chapter's quiz"


def test_the_example_quiz_is_valid():
    quiz.validate(GOOD)


@pytest.mark.parametrize("break_it, message", [
    (lambda q: q.clear(), "non-empty list"),
    (lambda q: q[0].update(type="essay"), "type must be one of"),
    (lambda q: q[0].update(question="  "), "question text is empty"),
    (lambda q: q[0]["answers"].pop(), "at least two non-empty answers"),
    (lambda q: q[0]["answers"][0].update(correct=False), "multiple_choice has 0 correct answers"),
    (lambda q: q[0]["answers"][1].update(correct=True), "multiple_choice has 2 correct answers"),
    (lambda q: q[1]["answers"].pop(0), "needs a correct value or range"),
    (lambda q: q[1].pop("precision"), "integer 'precision'"),
    (lambda q: q[1]["answers"][1].update(feedback=""), "needs feedback"),
    (lambda q: q[0]["answers"][0].update(answer="$1/4$"), "only math need a 'spoken' form"),
])
def test_malformed_quizzes_are_rejected_with_the_question_named(break_it, message):
    questions = copy.deepcopy(GOOD)
    break_it(questions)
    with pytest.raises(ValueError, match=message):
        quiz.validate(questions, "example")


def test_an_unknown_chapter_names_the_allowed_ones():
    with pytest.raises(ValueError, match=r"name must be one of \[.*'01_vanishing_gradients'"):
        quiz.load("01_vanishing")


def _shown(name):
    """The outputs ``quiz.show(name)`` displays, as (mime type, content) pairs."""
    shell = InteractiveShell.instance()
    captured = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: captured.append(data)
    try:
        quiz.show(name)
    finally:
        shell.display_pub.publish = original
    return captured


def test_showing_a_quiz_is_deterministic_and_leaves_random_alone():
    import random

    name = quiz.names()[0]
    random.seed(7)
    first = _shown(name)
    after = random.random()
    random.seed(7)
    assert _shown(name) == first
    assert random.random() == after  # the caller's random stream is untouched
    kinds = [sorted(output) for output in first]
    assert ["text/html", "text/plain"] in kinds and ["application/javascript", "text/plain"] in kinds
    html = "".join(output.get("text/html", "") for output in first)
    assert "MutationObserver" in html and "label.htmlFor" in html  # the accessibility fixes ride along
    assert json.dumps(quiz.load(name)[0]["question"])[1:-1] in "".join(
        output.get("application/javascript", "") for output in first)


def test_a_formula_answer_is_shown_with_its_spoken_form_for_screen_readers():
    name = "01_vanishing_gradients"
    spoken = [a for q in quiz.load(name) for a in q.get("answers", []) if "spoken" in a]
    assert spoken, "chapter 1's quiz has formula answers"
    script = "".join(output.get("application/javascript", "") for output in _shown(name))
    for answer in spoken:
        shown = answer["answer"] + f'<span class="initlab-spoken">{answer["spoken"]}</span>'
        assert json.dumps(shown)[1:-1] in script


def _contrast(a, b):
    """WCAG contrast ratio of two #rrggbb colours."""

    def luminance(colour):
        r, g, b = (int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
        f = lambda v: v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4  # noqa: E731
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_palette_is_quiet_and_every_text_is_readable_on_its_background():
    p = quiz.PALETTE
    text = p["--jq-text-color"]
    pairs = {  # text shown on each background jupyterquiz paints
        "question panel": (text, p["--jq-multiple-choice-bg"]),
        "select-all panel": (text, p["--jq-many-choice-bg"]),
        "numeric panel": (text, p["--jq-numeric-bg"]),
        "entry box": (text, p["--jq-numeric-input-bg"]),
        "entry label": (p["--jq-numeric-input-label"], p["--jq-numeric-bg"]),
        "right answer": (text, p["--jq-correct-color"]),
        "wrong answer": (text, p["--jq-incorrect-color"]),
        "link": (p["--jq-link-color"], p["--jq-multiple-choice-bg"]),
    }
    low = {name: round(_contrast(*pair), 2) for name, pair in pairs.items() if _contrast(*pair) < 4.5}
    assert not low, f"contrast under 4.5:1: {low}"
    # One panel colour for every kind of question (jupyterquiz's default: purple and orange cards).
    assert len({p[k] for k in ("--jq-multiple-choice-bg", "--jq-many-choice-bg", "--jq-numeric-bg")}) == 1


def test_the_quiz_text_is_body_sized():
    """jupyterquiz sets 16-20 pt; the quiz's own style brings every text back to the body size (1rem or less)."""
    html = "".join(output.get("text/html", "") for output in _shown(quiz.names()[0]))
    style = html[html.rindex("<style>"):]
    for selector in (".Quiz {", ".Quiz .Feedback {", ".Quiz .Input {", ".Quiz .InpLabel {", ".Quiz .Input-text {"):
        rule = style[style.index(selector):].split("}", 1)[0]
        size = re.search(r"font-size:\s*([\d.]+)rem", rule)
        assert size and float(size.group(1)) <= 1, f"{selector} font-size: {rule}"


def test_the_quiz_script_sets_an_unloaded_mathjax_aside_and_puts_it_back():
    """On a built page the quiz's script runs before MathJax has loaded (see quiz._HIDE_UNLOADED_MATHJAX)."""
    from jupyterquiz.dynamic import display as jupyterquiz_display

    plain = jupyterquiz_display.display
    shown = _shown(quiz.names()[0])
    assert jupyterquiz_display.display is plain, "jupyterquiz's display was left patched"
    scripts = [output["application/javascript"] for output in shown if "application/javascript" in output]
    assert len(scripts) == 1
    script = scripts[0]
    assert script.startswith(quiz._HIDE_UNLOADED_MATHJAX) and script.endswith(quiz._RESTORE_MATHJAX)
    assert "show_questions" in script
    assert [sorted(output) for output in shown].count(["application/javascript", "text/plain"]) == 1
