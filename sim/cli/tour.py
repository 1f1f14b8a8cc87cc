"""``imgcloud tour``: the training mode in a terminal (issue 14) — the same lessons, progress and
grading as the pages at ``/_sandbox/tour/``, through a running sandbox's ``/_sandbox/training/`` API.

    imgcloud tour                                  the lessons
    imgcloud tour start flow-a --trainee alice     begin: explanation and the request to send
    imgcloud tour status flow-a --trainee alice    after sending it: the grade, then the next step
    imgcloud tour trainees                         who is where (the trainer's view)
"""
from __future__ import annotations

from typing import Annotated, Any

import typer

from .common import ConfigOption, load
from .output import Column, console, listing, print_json
from .remote import TargetOption, call, sandbox_http

app = typer.Typer(help="Guided lessons, graded from the exchange log (the training mode).", invoke_without_command=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
Trainee = Annotated[str, typer.Option("--trainee", "-t", help="Your name (letters, digits, _ . @ -).")]
LessonArg = Annotated[str, typer.Argument(help="The lesson's id (imgcloud tour lists them).")]


@app.callback()
def tour(ctx: typer.Context, as_json: JsonOption = False, target: TargetOption = None, config: ConfigOption = None) -> None:
    """The lessons; ``imgcloud tour start LESSON -t NAME`` begins one."""
    if ctx.invoked_subcommand is None:
        _lessons(as_json, target, config)


@app.command("lessons")
def lessons(as_json: JsonOption = False, target: TargetOption = None, config: ConfigOption = None) -> None:
    """The lessons, in teaching order."""
    _lessons(as_json, target, config)


def _lessons(as_json: bool, target: str | None, config: Any) -> None:
    cfg = load(config)
    with sandbox_http(cfg, target) as http:
        found = call(http, "GET", "/_sandbox/training/lessons")
        base = str(http.base_url).rstrip("/")
    rows = [{"id": item["id"], "kind": item["kind"], "steps": len(item["steps"]), "zh": item["title"]["zh"],
             "en": item["title"]["en"]} for item in found]
    listing(rows, [Column("id"), Column("kind"), Column("steps"), Column("zh", "课程", ident=False),
                   Column("en", "lesson", ident=False)], title="lessons (imgcloud tour start LESSON -t NAME)",
            as_json=as_json, data=found)
    if not as_json:
        console().print(f"pages: {base}/_sandbox/tour/", soft_wrap=True)


@app.command("start")
def start(lesson: LessonArg, trainee: Trainee,
          hospital: Annotated[str | None, typer.Option(help="Your hospital (default: the first configured).")] = None,
          centre: Annotated[str | None, typer.Option(help="Your imaging centre (default: the first configured).")] = None,
          restart: Annotated[bool, typer.Option("--restart", help="Begin again from step 1.")] = False,
          as_json: JsonOption = False, target: TargetOption = None, config: ConfigOption = None) -> None:
    """Begin a lesson: your own exam is prepared, and the first step says what to send."""
    cfg = load(config)
    roles = {k: v for k, v in (("hospital", hospital), ("centre", centre)) if v}
    with sandbox_http(cfg, target, timeout=300) as http:
        view = call(http, "POST", "/_sandbox/training/progress",
                    json={"trainee": trainee, "lesson": lesson, "roles": roles, "restart": restart})
        base = str(http.base_url).rstrip("/")
    _show(view, as_json, base)


@app.command("status")
def status(lesson: LessonArg, trainee: Trainee, as_json: JsonOption = False, target: TargetOption = None,
           config: ConfigOption = None) -> None:
    """Grade what you sent since you last looked, and show where you are."""
    cfg = load(config)
    with sandbox_http(cfg, target) as http:
        view = call(http, "GET", f"/_sandbox/training/progress/{trainee}/{lesson}")
        base = str(http.base_url).rstrip("/")
    _show(view, as_json, base)


@app.command("trainees")
def trainees(as_json: JsonOption = False, target: TargetOption = None, config: ConfigOption = None) -> None:
    """Who is where: every trainee's step, attempts and recent mistakes (the trainer's view)."""
    cfg = load(config)
    with sandbox_http(cfg, target) as http:
        found = call(http, "GET", "/_sandbox/training/progress")
    rows = [{**t, "where": "complete" if t["complete"] else f"{t['step'] + 1}/{t['steps']} {t['stepId']}",
             "mistakes": ", ".join(t["mistakes"])} for t in found]
    listing(rows, [Column("trainee"), Column("lesson"), Column("where"), Column("attemptsOnStep", "attempts"),
                   Column("mistakes", ident=False), Column("idleMinutes", "idle min")], title="trainees",
            as_json=as_json, data=found)


def _show(view: dict[str, Any], as_json: bool, base: str) -> None:
    if as_json:
        print_json(view)
        return
    out = console()
    say = lambda text="": out.print(text, soft_wrap=True, markup=False, highlight=False)  # noqa: E731
    say(f"{view['title']['zh']}\n{view['title']['en']}")
    say(f"trainee {view['trainee']} · step {min(view['step'] + 1, view['steps'])}/{view['steps']} · "
        f"{view['attempts']} attempts · page {base}/_sandbox/tour/{view['lesson']}?trainee={view['trainee']}")
    last = view.get("last")
    if last:
        say()
        say(f"{'✓ passed' if last['passed'] else '✗ not passed'}: {last['operation']} ({last['verdict']}) "
            f"exchange {last['exchange']}")
        for m in last["mistakes"]:
            say(f"  [{m['rule']}] {m['zh']}\n      {m['en']}")
            if m.get("named"):
                say(f"      本课指出的错误 / a mistake this lesson names: {m['hintZh']}\n      {m['hintEn']}")
    step = view.get("current")
    if step is None:
        say("\n课程完成 / lesson complete")
        return
    say(f"\n▶ {step['title']['zh']} / {step['title']['en']}\n  seed: {step['seed']} · sender: {step['role']} "
        f"{step.get('sender') or ''}")
    say(f"\n{step['explain']['zh']}\n\n{step['explain']['en']}\n")
    say("send this from your own tool, then run: imgcloud tour status "
        f"{view['lesson']} -t {view['trainee']}\n")
    say(step["text"])
