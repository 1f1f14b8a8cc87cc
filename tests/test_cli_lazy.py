"""``imgcloud``'s sub-commands are imported when one runs (``sim/cli/mounts.py``): a command needing
only its helpers does not import every family, the served app and pynetdicom."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reference.families import all_families
from sim.cli import app, mounts

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
from sim.cli import main
sys.argv = ["imgcloud", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("reference.families.", "reference.app", "pynetdicom", "connexion")))))
"""


def _imported_by(*argv: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_family_commands_read_from_the_declarations_match_the_records() -> None:
    records = {f.sim_cli_name or f.name: f"{f.sim_cli}:app" for f in all_families() if f.sim_cli}
    assert list(mounts.family_clis().items()) == list(records.items())


@pytest.mark.parametrize("argv", [("sm2", "--help"), ("aes", "--help"), ("--version",)])
def test_a_helper_command_imports_no_family_nor_the_served_app(argv: tuple[str, ...]) -> None:
    assert _imported_by(*argv) == []


def test_credentials_read_the_family_records_without_their_handlers() -> None:
    """Every record is read (each party's endpoints), but no handlers, control or SCP module, nor
    pynetdicom: the records name those modules (fails where a record imports them)."""
    imported = _imported_by("credentials", "--json")
    assert "reference.families.gateway" in imported and "reference.families.nhsa_index" in imported
    assert not [m for m in imported if m.startswith("pynetdicom") or (m.startswith("reference.families.") and m.endswith(
        (".handlers", ".control", ".store", ".pacs", ".archive")))]


def test_every_recorded_module_is_found() -> None:
    """What the records name as text (handlers, control, SCP starters) imports and is what it says."""
    for family in all_families():
        for named in (family.handlers, family.control):
            if isinstance(named, str):
                assert importlib.import_module(named).__name__ == named
        if family.contract:
            assert family.handler(next(iter(family.operations())))
        for service in family.dicom:
            assert callable(service.starter()), service


def test_a_command_imports_what_it_runs() -> None:
    assert "pynetdicom" in _imported_by("dicom", "--help")


def test_help_lists_every_command() -> None:
    shown = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"}).output
    for name in ["serve", "credentials", "fake", *mounts.lazy_commands()]:
        assert f" {name} " in shown, name


def test_a_mounted_function_keeps_its_options_and_no_completion_options() -> None:
    shown = CliRunner().invoke(app, ["exams", "--help"], env={"COLUMNS": "200"}).output
    assert "--limit" in shown and "--install-completion" not in shown


def test_a_declaration_read_as_written(tmp_path: Path) -> None:
    text = 'from x import y\nFAMILY = Family(name="demo", sim_cli="sim.cli.demo", sim_cli_name="d", fallback=True, error=y)\n'
    assert mounts._declared(text) == {"name": "demo", "sim_cli": "sim.cli.demo", "sim_cli_name": "d", "fallback": True}
    assert mounts._declared("FAMILY = make()\n") is None
    assert mounts._declared("def broken(:\n") is None


def test_a_declaration_not_written_as_literals_is_imported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    imported: list[str] = []
    monkeypatch.setattr(mounts, "_imported", lambda package: imported.append(package) or {"name": "x", "sim_cli": "m"})
    literal, computed = tmp_path / "literal" / "__init__.py", tmp_path / "computed" / "__init__.py"
    for init, value in ((literal, '"sim.cli.x"'), (computed, "CLI")):
        init.parent.mkdir()
        init.write_text(f'CLI = "sim.cli.x"\nFAMILY = Family(name="{init.parent.name}", sim_cli={value})\n')
    assert mounts._family(literal) == {"name": "literal", "sim_cli": "sim.cli.x"} and imported == []
    assert mounts._family(computed) == {"name": "x", "sim_cli": "m"} and imported == ["reference.families.computed"]


def test_a_command_still_runs_after_every_sub_command_was_mounted(tmp_path: Path) -> None:
    """Mounting ``imgcloud load`` imports ``sim.cli.load``, which sets the package's attribute
    ``load``: ``serve`` once called that module instead of its config loader (exit 1, no message)."""
    CliRunner().invoke(app, ["--help"])  # mounts (imports) every sub-command
    result = CliRunner().invoke(app, ["serve", "--config", str(tmp_path / "nowhere.yaml")],
                                env={"IMGCLOUD_HOME": str(tmp_path / "home")})
    assert result.exit_code == 2 and "cannot read config file" in result.output, result.output
