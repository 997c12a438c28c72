"""The chapter quizzes on the built site: each chapter ends with one, and it answers with no kernel behind it.

The quiz is jupyterquiz's HTML and JavaScript, stored in the chapter's output (initlab.notebook.quiz.show). Here a
reader clicks a wrong and a right answer of every choice question, types the right value of every numeric one,
and reaches an answer with the keyboard alone; each time the feedback must say right or wrong.
"""

from __future__ import annotations

import pytest
from sitecheck import chapter_pages

from initlab.notebook import quiz

CHAPTERS = chapter_pages()  # the numbered chapters: each ends with a quiz


def _feedback(question):
    return question.locator(".Feedback")


def _answer_for(spec):
    """A value the numeric question `spec` accepts, typed as a reader would."""
    for answer in spec["answers"]:
        if answer.get("correct") and answer.get("type") == "value":
            return repr(answer["value"])
        if answer.get("correct") and answer.get("type") == "range":
            low, high = answer["range"]
            return repr((low + high) / 2)
    raise AssertionError("no correct answer")


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_every_question_of_the_chapter_quiz_answers(browser, server, page_path):
    name = page_path.removesuffix(".html")
    questions = quiz.load(name)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{server}/{page_path}")
        boxes = page.locator(".Quiz")
        boxes.first.wait_for(timeout=10_000)
        assert boxes.count() == len(questions), f"{page_path}: {boxes.count()} questions shown, {len(questions)} written"
        for i, spec in enumerate(questions):
            box = boxes.nth(i)
            if spec["type"] == "numeric":
                entry = box.locator("input.Input-text")
                label = box.locator("label.InpLabel")
                assert label.get_attribute("for") == entry.get_attribute("id"), "the entry box has no tied label"
                entry.click()
                entry.fill("")
                entry.press_sequentially(_answer_for(spec))
                entry.press("Enter")
                expect = "correct"
            else:
                wrong = box.locator('label.MCButton[data-correct="false"]')
                if wrong.count():
                    wrong.first.click()
                    assert "incorrect" in (_feedback(box).get_attribute("class") or ""), f"{page_path} q{i + 1}"
                for right in box.locator('label.MCButton[data-correct="true"]').all():
                    right.click()
                expect = "correct"
            classes = (_feedback(box).get_attribute("class") or "").split()
            assert expect in classes, f"{page_path}, question {i + 1}: feedback classes {classes}"
            assert _feedback(box).inner_text().strip(), f"{page_path}, question {i + 1}: empty feedback"
        assert not errors, f"{page_path}: page errors {errors}"
    finally:
        page.close()


def test_a_choice_can_be_answered_with_the_keyboard_alone(browser, server):
    name = CHAPTERS[0].removesuffix(".html")
    first_choice = next(i for i, q in enumerate(quiz.load(name)) if q["type"] != "numeric")
    page = browser.new_page()
    try:
        page.goto(f"{server}/{CHAPTERS[0]}")
        box = page.locator(".Quiz").nth(first_choice)
        box.wait_for(timeout=10_000)
        radio = box.locator('label.MCButton[data-correct="true"] input[type="radio"]').first
        radio.focus()
        assert page.evaluate("() => document.activeElement.type") == "radio"
        page.keyboard.press("Space")
        assert "correct" in (box.locator(".Feedback").get_attribute("class") or "").split()
    finally:
        page.close()
