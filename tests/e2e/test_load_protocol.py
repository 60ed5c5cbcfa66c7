"""The protocol load client (bench/st_protocol.py) at CI size: a few students, no browser.

Checks the client's handling of Streamlit's protocol against the real server (the session it gets,
the page app.py's navigation runs, the canvas widget found by its key, a tab opened by its label,
fragment reruns, pruning of what a run no longer draws) and that every digit sent as the canvas
sends it comes back predicted as that digit. Speed goals live in bench/load_protocol.py.
"""

from __future__ import annotations

import asyncio

from bench import load_protocol, st_protocol
from tests.e2e.conftest import run_in_own_thread

STUDENTS = 3


async def one_student(url: str, digits) -> tuple[st_protocol.Student, list]:
    student = st_protocol.Student(url, "student")
    await student.open("draw")
    answers = [await st_protocol.draw(student, image) for _, image in digits]
    return student, answers


def test_students_speaking_the_protocol_get_each_drawn_digit_back(app_url):
    digits = st_protocol.drawn_digits(1)

    async def class_():
        await st_protocol.warm_up(app_url)  # the server's first visitor alone (see st_protocol.warm_up)
        results = await asyncio.gather(*(one_student(app_url, digits) for _ in range(STUDENTS)))
        for student, _ in results:
            await student.close()
        return results

    results = run_in_own_thread(class_())
    sessions = {student.session_id for student, _ in results}
    assert len(sessions) == STUDENTS and "" not in sessions
    for student, answers in results:
        assert student.errors == []
        assert student.texts("heading")[0] == "Draw a digit"
        assert [predicted for _, predicted in answers] == [str(digit) for digit, _ in digits]
        assert student.widget("draw_canvas").fragment_id  # the canvas sits in a fragment, and reruns only it
        shown = [text for text in student.texts("heading") if text.startswith("Prediction:")]
        assert shown and all(text.split(" ")[1] == "9" for text in shown)  # the last digit drawn, nothing stale


def test_the_load_client_times_every_drawing_of_a_small_class(app_url):
    outcome = run_in_own_thread(load_protocol.classroom(app_url, students=2, interval=0.5, seconds=2, training=0))
    assert outcome.errors == []
    assert outcome.drawings == 2 * 4 and len(outcome.latencies) == outcome.drawings


def test_the_client_opens_a_lesson_tab_by_its_label(app_url):
    async def visit():
        await st_protocol.warm_up(app_url)
        student, _ = await one_student(app_url, st_protocol.drawn_digits(1)[:1])
        before = student.find(st_protocol.SECOND_LESSON_TEXT)
        await student.choose("draw_lesson", st_protocol.SECOND_LESSON)
        await student.close()
        return student, before

    student, before = run_in_own_thread(visit())
    assert student.errors == []
    assert before is None  # the second lesson runs only once its tab is open
    assert student.find(st_protocol.SECOND_LESSON_TEXT) is not None
