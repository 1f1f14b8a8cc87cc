"""Lessons as data (issue 14): one YAML file per lesson under ``lessons/``, validated here.

A lesson is a list of steps.  Each step explains one exchange (Chinese and English) with the seed
section it comes from, shows the exact request to send (``request``: curl for HTTP and SOAP, a DCMTK
command line for DICOM), says what the exchange log must show for it (``expect``) and names the
mistakes trainees make there (``mistakes``: a rule id of the catalogue, or a wrong reply, with a
hint).  Adding a lesson is adding a file: nothing else lists them.

Templates: ``{name}`` in a string is replaced by the value ``name`` (the trainee's credentials,
the values the lesson was prepared with, ``msgid`` and ``infTime`` made when shown); a string that
is exactly ``@name`` is replaced by the value itself (a whole row, a list).
"""
from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reference.resources import load_yaml

Verdict = Literal["pass", "warn", "fail", "error"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    zh: str
    en: str


class Request(_Strict):
    """What the trainee sends: an HTTP request (shown as curl) or a DCMTK command line."""

    tool: Literal["curl", "dcmtk"] = "curl"
    method: str = "POST"
    path: str | None = None  # curl: under the sandbox's base URL
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = Field(default=None, alias="json")
    form: dict[str, str] | None = None  # multipart text fields
    files: dict[str, str] = Field(default_factory=dict)  # multipart file fields -> local file name
    body: str | None = None  # a raw body (a SOAP envelope), its Content-Type in headers
    command: str | None = None  # dcmtk
    before: list[str] = Field(default_factory=list)  # shell lines to run first (downloads, variables)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _complete(self) -> Request:
        if self.tool == "curl" and not self.path:
            raise ValueError("a curl request needs a path")
        if self.tool == "dcmtk" and not self.command:
            raise ValueError("a dcmtk request needs a command")
        return self


class Expect(_Strict):
    """The exchange that passes the step: inbound, not the sandbox's own, after the step began."""

    transport: Literal["http", "dicom", "soap"] = "http"
    family: str | None = None
    operations: list[str] = Field(min_length=1)  # an attempt is an exchange of one of these
    passes: list[str] | None = None  # the operations that can pass (default: the first)
    institution: str | None = None  # template: the exchange's institution (infCode, token uid, calling AE)
    contains: list[str] = Field(default_factory=list)  # templates the request must contain (the trainee's data)
    verdicts: list[Verdict] = Field(default_factory=lambda: list[Verdict](["pass", "warn"]))
    reply: dict[str, Any] = Field(default_factory=dict)  # dotted path in the record -> value or list of values
    #: rules the attempt must raise to pass (a step that teaches a refusal: a reused msgid, a wrong secret)
    findings: list[str] = Field(default_factory=list)
    #: operations that are attempts only when they fail (a DICOM association: rejected counts, released does not)
    only_failed: list[str] = Field(default_factory=lambda: ["A-ASSOCIATE"])

    @property
    def passing(self) -> list[str]:
        return self.passes or self.operations[:1]


class Mistake(_Strict):
    """A mistake the lesson names: a rule of the catalogue raised on the attempt, or a reply value."""

    rule: str | None = None
    reply: dict[str, Any] | None = None
    zh: str
    en: str

    @model_validator(mode="after")
    def _one(self) -> Mistake:
        if (self.rule is None) == (self.reply is None):
            raise ValueError("a mistake names either a rule or a reply")
        return self


class Step(_Strict):
    id: str
    title: Text
    seed: str  # the seed section (and INTERFACES.md decision) the step comes from
    role: str  # which of the lesson's roles sends it
    explain: Text
    request: Request
    expect: Expect
    mistakes: list[Mistake] = Field(default_factory=list)
    #: values taken from the passing attempt's record for the next steps (name -> dotted path)
    capture: dict[str, str] = Field(default_factory=dict)


class Lesson(_Strict):
    id: str
    title: Text
    kind: Literal["flow", "protocol"]
    order: int = 100
    seeds: list[str]
    summary: Text
    #: role -> institution kind (hospital, imaging_centre, city_platform) or "dicom" (a calling AE title)
    roles: dict[str, str]
    #: the actor that prepares the trainee's own data (``sim.actors.training``), and its arguments
    prepare: dict[str, Any] | None = None
    steps: list[Step] = Field(min_length=1)

    def step(self, index: int) -> Step | None:
        return self.steps[index] if 0 <= index < len(self.steps) else None


class LessonError(Exception):
    """A lesson file that cannot be used (its name and the problem)."""


def _parse(name: str, text: str) -> Lesson:
    try:
        lesson = Lesson.model_validate(load_yaml(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise LessonError(f"lesson {name}: {exc}") from None
    if lesson.id != name.rsplit(".", 1)[0]:
        raise LessonError(f"lesson {name}: its id {lesson.id!r} is not its file name")
    return lesson


@cache
def all_lessons() -> dict[str, Lesson]:
    """Every lesson shipped, by id, in teaching order."""
    folder = resources.files("reference.training") / "lessons"
    found = [_parse(f.name, f.read_text(encoding="utf-8")) for f in folder.iterdir() if f.name.endswith(".yaml")]
    return {lesson.id: lesson for lesson in sorted(found, key=lambda lesson: (lesson.order, lesson.id))}


def lesson(lesson_id: str) -> Lesson:
    found = all_lessons().get(lesson_id)
    if found is None:
        raise KeyError(lesson_id)
    return found
