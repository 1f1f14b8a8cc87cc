"""A trainee completes the flow-A lesson from plain curl (issue 14): the test plays the trainee —
it reads each step's request as the lesson shows it, sends it with the curl binary, and reloads
its progress; on the first step it first makes a deliberate mistake the lesson names (the
institution's key mistyped), is told so, and then sends the right request."""
from __future__ import annotations

import json
import shutil
import subprocess
import time

import httpx
import pytest

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")

TRAINEE = "curl-trainee"


def curl(request: dict) -> dict:
    """Send the shown request with curl, as a trainee would paste it (its JSON body on stdin)."""
    args = ["curl", "-s", "-S", "-X", request["method"], request["url"], "-H", "Content-Type: application/json",
            "--data-binary", "@-"]
    for name, value in request["headers"].items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run(args, input=json.dumps(request["json"], ensure_ascii=False), capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout)


def progress(http: httpx.Client) -> dict:
    reply = http.get(f"/_sandbox/training/progress/{TRAINEE}/flow-a")
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_trainee_completes_flow_a_from_curl_with_one_named_mistake(world):
    with httpx.Client(base_url=world.base, timeout=120) as http:
        started = http.post("/_sandbox/training/progress", json={"trainee": TRAINEE, "lesson": "flow-a"}).json()
        assert started["step"] == 0 and started["steps"] == 4 and not started["complete"]
        step = started["current"]
        assert step["seed"].startswith("seeds/002 §二") and "curl -s -X POST" in step["text"]
        assert step["request"]["json"]["infCode"] == "H51080200011"

        # the deliberate mistake: the key mistyped
        wrong = json.loads(json.dumps(step["request"]))
        wrong["json"]["key"] = "0" * 20
        reply = curl(wrong)
        assert reply["code"] == -1 and "NIDX-AUTH-KEY" in reply["message"]
        graded = progress(http)
        assert graded["step"] == 0 and graded["attempts"] == 1
        assert graded["last"]["passed"] is False
        named = [m for m in graded["last"]["mistakes"] if m["rule"] == "NIDX-AUTH-KEY"]
        assert named and named[0]["named"] and "imgcloud credentials" in named[0]["hintEn"], graded["last"]
        assert graded["history"][0]["mistakes"] == ["NIDX-AUTH-KEY"]

        # then each step as shown, until the lesson is complete
        hi = started["current"]["request"]["json"]["data"][0]["hiImgIndx"]
        for expected in range(4):
            current = graded["current"]
            assert graded["step"] == expected, graded["last"]
            if current["id"] == "withdraw":  # as the step says: once the province holds the index
                assert "/_sandbox/state/province/indexes/" in current["text"]
                deadline = time.monotonic() + 120
                while not http.get(f"/_sandbox/state/province/indexes/{hi}").json()["exists"]:
                    assert time.monotonic() < deadline, "the centre never registered the index"
                    time.sleep(0.3)
            curl(current["request"])
            graded = progress(http)
            assert graded["last"]["passed"] is True, graded["last"]
        assert graded["complete"] and graded["step"] == 4 and graded["current"] is None
        assert [h["attempts"] for h in graded["history"]] == [2, 1, 1, 1]

        # the trainer sees it
        trainees = {(t["trainee"], t["lesson"]): t for t in http.get("/_sandbox/training/progress").json()}
        assert trainees[(TRAINEE, "flow-a")]["complete"]
        # and the province no longer holds the index the trainee withdrew
        assert http.get(f"/_sandbox/state/province/indexes/{hi}").json()["deleted"] is True
