"""`imgcloud sm2 encrypt|decrypt`: what an integrator uses to produce and check idCardNo."""
from __future__ import annotations

from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def _run(*args: str, home) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), env={"IMGCLOUD_HOME": str(home)})
    return result.exit_code, result.stdout, result.stderr


def test_round_trip_with_the_issued_key(tmp_path):
    code, cipher, _ = _run("sm2", "encrypt", "11010519491231002X", home=tmp_path)
    assert code == 0 and cipher.strip().startswith("04")
    code, plain, info = _run("sm2", "decrypt", cipher.strip(), home=tmp_path)
    assert code == 0 and plain.strip() == "11010519491231002X" and "C1C3C2" in info


def test_base64_without_prefix(tmp_path):
    _, cipher, _ = _run("sm2", "encrypt", "abc", "--encoding", "base64", "--no-prefix", home=tmp_path)
    code, plain, info = _run("sm2", "decrypt", cipher.strip(), home=tmp_path)
    assert code == 0 and plain.strip() == "abc" and "base64" in info and "without" in info


def test_diagnostics_say_which_mistake(tmp_path):
    _, old_order, _ = _run("sm2", "encrypt", "abc", "--layout", "C1C2C3", home=tmp_path)
    assert _run("sm2", "decrypt", old_order.strip(), home=tmp_path)[0] == 1
    assert "c1c2c3" in _run("sm2", "decrypt", old_order.strip(), home=tmp_path)[2]
    assert "plaintext" in _run("sm2", "decrypt", "11010519491231002X", home=tmp_path)[2]
    assert "encoding" in _run("sm2", "decrypt", "zz!!", home=tmp_path)[2]
