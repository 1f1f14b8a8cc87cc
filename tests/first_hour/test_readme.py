"""Every curl example of the README works (issue 14): each ```sh block that calls curl is run with
bash against the first-hour sandbox — the README's address and ``.venv/bin/imgcloud`` pointed at
it — and each ``# {…}`` comment under a curl is checked against that curl's answer (the keys with
plain values it shows must be in the answer, with those values)."""
from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"```sh\n(.*?)```", re.S)
SHOWN_VALUE = re.compile(r'"(\w+)":("(?:[^"\\…]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)(?=[,}\]])')
WRAPPER = r'''
set -eu
curl() {  # numbered in a file: a curl in a pipeline runs in a subshell
  n=$(( $(cat "$OUT/n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$OUT/n"
  command curl -sS --max-time 300 -o "$OUT/$n.body" -w '%{http_code}' "$@" > "$OUT/$n.status"
  cat "$OUT/$n.body"
}
'''


def curl_blocks() -> list[str]:
    return [b for b in BLOCK.findall(README.read_text(encoding="utf-8")) if re.search(r"^\s*curl ", b, re.M)]


def expectations(block: str) -> dict[int, list[str]]:
    """``curl number -> the comments shown under it`` (comments that show an answer: ``# {…``, ``# … {``)."""
    out: dict[int, list[str]] = {}
    n = 0
    for line in block.splitlines():
        stripped = line.strip()
        if stripped.startswith("curl "):
            n += 1
        elif stripped.startswith("#") and "{" in stripped and n:
            out.setdefault(n, []).append(stripped.lstrip("# "))
        elif stripped.startswith("#"):
            continue
    return out


def test_the_readme_has_curl_examples():
    assert len(curl_blocks()) >= 2


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
@pytest.mark.parametrize("index", range(len(curl_blocks())))
def test_readme_curl_block_works(world, index, tmp_path: Path):
    block = curl_blocks()[index]
    port = world.base.rsplit(":", 1)[1]
    config = yaml.safe_load(world.config.read_text()) | {"listen": {"port": int(port)}}
    cfg = tmp_path / "config.yaml"
    cfg.write_text(yaml.safe_dump(config))
    out = tmp_path / "out"
    out.mkdir()
    imgcloud = f'"{sys.executable}" -c "from sim.cli import main; main()"'
    script = (WRAPPER + f'imgcloud_here() {{ {imgcloud} "$@" --config "{cfg}"; }}\n'
              + block.replace("http://127.0.0.1:8000", world.base).replace(".venv/bin/imgcloud", "imgcloud_here"))
    import subprocess

    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**world.env(), "OUT": str(out)},
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    ran = len(list(out.glob("*.status")))
    assert ran == len(re.findall(r"^\s*curl ", block, re.M)), (ran, done.stderr[-2000:])
    for n in range(1, ran + 1):
        status = int((out / f"{n}.status").read_text())
        assert status < 400, f"curl {n} of the block answered HTTP {status}: {(out / f'{n}.body').read_text()[:500]}"
    for n, comments in expectations(block).items():
        body = (out / f"{n}.body").read_text(encoding="utf-8")
        compact = json.dumps(json.loads(body), ensure_ascii=False, separators=(",", ":"))
        for comment in comments:
            for key, value in SHOWN_VALUE.findall(comment):
                assert f'"{key}":{value}' in compact, f"curl {n}: the README shows {key}={value}; the answer is {compact[:800]}"
