"""initlab.quiz: every chapter has a well-formed quiz, and showing it gives the same output on every run."""

import copy
import json
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
