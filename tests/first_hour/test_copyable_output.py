"""Copyable output (issue 14): no command cuts an identifier on an 80- (or 120-) column terminal — each
identifier its ``--json`` gives appears whole on one line of the text — and every listing has ``--json``."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
#: Values that are identifiers: codes, keys, UIDs, hiImgIndx, accession numbers, URLs.
IDENTIFIER = re.compile(r"^(https?://\S+|[0-9A-Za-z][0-9A-Za-z.\-_]{9,})$")


def run(world, *args: str, columns: int) -> str:
    result = runner.invoke(app, list(args), env={"IMGCLOUD_HOME": str(world.home), "COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.stdout


def identifiers(data: Any, keys: Iterable[str]) -> set[str]:
    wanted, found = set(keys), set()

    def walk(value: Any, key: str | None = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in wanted and IDENTIFIER.match(value):
            found.add(value)

    walk(data)
    return found


def assert_whole(text: str, ids: set[str]) -> None:
    lines = text.splitlines()
    cut = sorted(i for i in ids if not any(i in line for line in lines))
    assert ids and not cut, f"cut at this width: {cut[:5]}\n{text[:3000]}"
    assert "…" not in text, text[:3000]


@pytest.mark.parametrize("columns", [80, 120])
def test_listings_keep_identifiers_whole(world, columns):
    target = ["--target", world.base, "--config", str(world.config)]
    run(world, "tour", "start", "national-envelope", "-t", f"reader-at-{columns}-columns", *target, columns=columns)
    cases = [
        (("exams", *target), lambda d: identifiers(d, ("hiImgIndx", "accession", "examId", "accessNumber", "report",
                                                       "images", "film"))),
        (("indexes", *target), lambda d: identifiers(d, ("hiImgIndx", "infCode"))),
        (("credentials", "--config", str(world.config)), lambda d: identifiers(d, ("infCode", "key", "admin_token"))),
        (("tour", "lessons", *target), lambda d: {lesson["id"] for lesson in d}),
        (("tour", "trainees", *target), lambda d: {t["trainee"] for t in d}),
    ]
    for args, ids in cases:
        data = json.loads(run(world, *args, "--json", columns=columns))
        assert_whole(run(world, *args, columns=columns), ids(data))


def test_hospital_upload_keeps_the_hiimgindx_whole(world):
    args = ("hospital", "upload", "-n", "1", "--dicom-form", "file", "--target", world.base, "--config", str(world.config))
    text = run(world, *args, columns=80)
    data = json.loads(run(world, *args, "--json", columns=80))  # the same exam again: replaced, same identifiers
    ids = identifiers(data, ("hiImgIndx", "accession"))
    assert any(len(i) > 80 for i in ids), ids  # longer than the terminal is wide
    assert_whole(text, ids)


def test_dicom_find_keeps_uids_whole(world):
    port = re.search(r"hospital SCP HOSP_PACS at [\d.]+:(\d+)", world.banner).group(1)  # type: ignore[union-attr]
    data = json.loads(run(world, "dicom", "find", "--port", port, "--json", columns=80))
    assert len(data["matches"]) >= 9
    ids = identifiers(data, ("StudyInstanceUID", "AccessionNumber", "PatientID"))
    assert_whole(run(world, "dicom", "find", "--port", port, columns=80), ids)


def test_scenario_list_has_json(world):
    listed = json.loads(run(world, "scenario", "list", "--json", columns=80))
    assert {"flow-a-national", "flow-c-province"} <= {s["name"] for s in listed}


def test_gateway_pull_keeps_the_hiimgindx_whole(world):
    args = ("gateway", "pull", "--target", world.base, "--config", str(world.config))
    data = json.loads(run(world, *args, "--json", columns=80))  # the demo world's flow-B exams, collected already
    ids = identifiers(data, ("hiImgIndx", "accessionNo", "examNo"))
    assert any(len(i) > 80 for i in ids), ids
    assert_whole(run(world, *args, columns=80), ids)
