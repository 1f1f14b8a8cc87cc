"""Every lesson of the training mode can be completed by doing what it shows (issue 14): each step's
text — the exact shell lines a trainee copies (curl, imgcloud sm2, DCMTK) — is run with bash, and
the lesson's grading moves on.  The flow-A lesson, with a deliberate mistake, is test_tour_flow_a."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from reference.training.lessons import all_lessons

TOOLS = ("curl", "echoscu", "findscu", "getscu", "movescu", "storescu", "python3")


def test_every_lesson_is_data_and_cites_the_seeds():
    lessons = all_lessons()
    assert {"flow-a", "flow-b", "flow-c", "flow-d", "national-envelope", "tokens-sm2", "dicom-qr", "soap"} <= set(lessons)
    for lesson in lessons.values():
        assert lesson.title.zh and lesson.title.en and lesson.seeds
        for step in lesson.steps:
            assert step.seed and step.explain.zh and step.explain.en, (lesson.id, step.id)
            assert step.role in lesson.roles, (lesson.id, step.id)


@pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS), reason=f"needs {', '.join(TOOLS)} (DCMTK: tests/run.sh)")
@pytest.mark.parametrize("lesson", ["national-envelope", "flow-b", "flow-c", "flow-d", "tokens-sm2", "dicom-qr", "soap"])
def test_a_lesson_completes_by_running_what_it_shows(world, lesson, tmp_path: Path):
    env = {**world.env(), "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    trainee = f"runner-{lesson}"
    with httpx.Client(base_url=world.base, timeout=300) as http:
        view = http.post("/_sandbox/training/progress", json={"trainee": trainee, "lesson": lesson}).json()
        shown = time.time()
        for expected in range(view["steps"]):
            assert view["step"] == expected and not view["complete"], view.get("last")
            # a step shown within the second of the last would repeat its msgid time: show it in a later second
            time.sleep(max(0.0, math.floor(shown) + 1.05 - time.time()))
            view = http.get(f"/_sandbox/training/progress/{trainee}/{lesson}").json()
            shown = time.time()  # the show was at this moment or before
            done = subprocess.run(["bash", "-c", view["current"]["text"]], cwd=tmp_path, env=env, capture_output=True,
                                  text=True, timeout=300)
            assert done.returncode == 0, f"{view['current']['id']}: {done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            deadline = time.monotonic() + 15  # the DICOM SCPs' records come from the serving process's own log
            while True:
                view = http.get(f"/_sandbox/training/progress/{trainee}/{lesson}").json()
                if view["step"] > expected or time.monotonic() > deadline:
                    break
                time.sleep(0.3)
            assert view["last"] and view["last"]["passed"], (view["last"], done.stdout[-1500:])
        assert view["complete"], view
