"""The training mode's JSON API (``/_sandbox/training/…``) and pages (``/_sandbox/tour/…``), named
after their ``operationId`` in ``openapi/sandbox.yaml`` (served through the sandbox family)."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from connexion.context import context
from starlette.responses import HTMLResponse, RedirectResponse, Response

from reference.viewer import render_page

from . import engine
from .lessons import all_lessons


def tourLessons() -> list[dict[str, Any]]:
    """The lessons, in teaching order."""
    return engine.lessons_view()


def tourStart(body: dict[str, Any]) -> dict[str, Any]:
    """Begin a lesson for a trainee (again with ``restart``): prepares their own data, shows step 1."""
    return engine.start(context["sandbox"], str(body["trainee"]), str(body["lesson"]), roles=body.get("roles") or {},
                        restart=bool(body.get("restart")))


def tourTrainees() -> list[dict[str, Any]]:
    """Who is where: every trainee's step in every lesson begun (the trainer's view)."""
    return engine.trainees(context["sandbox"])


def tourProgress(trainee: str, lesson: str) -> dict[str, Any]:
    """Grade the trainee's attempts since the last look; progress and the current step."""
    return engine.progress(context["sandbox"], trainee, lesson)


def tourIndexPage(trainee: str | None = None, lesson: str | None = None) -> Response:
    """The lessons, a form to begin one (its answer: the lesson's page), and the trainer's view."""
    if trainee and lesson:
        return RedirectResponse(f"/_sandbox/tour/{quote(lesson)}?trainee={quote(trainee)}", status_code=303)
    return HTMLResponse(render_page("tour_index.html", title="培训 / training — imgcloud-sandbox",
                                    lessons=engine.lessons_view(), trainees=engine.trainees(context["sandbox"])))


def tourLessonPage(lesson: str, trainee: str | None = None) -> Response:
    """A lesson; with ``trainee``, begun for them on first view and graded on every view."""
    sandbox = context["sandbox"]
    if lesson not in all_lessons():
        engine.progress(sandbox, trainee or "-", lesson)  # refused: no such lesson
    view = engine.start(sandbox, trainee, lesson) if trainee else None
    overview = next(item for item in engine.lessons_view() if item["id"] == lesson)
    return HTMLResponse(render_page("tour_lesson.html", title=f"{overview['title']['zh']} / {overview['title']['en']}",
                                    lesson=overview, trainee=trainee, view=view))
