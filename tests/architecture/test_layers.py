"""The layers point one way (STYLE.md, "The house as it grows"): ``reference`` (what each party
does) never imports ``sim`` (data, actors, scenarios, CLI), ``tests`` or ``locust``; nothing
imports ``loadtests``' locust outside it; ``loadtests`` never imports ``tests``.  Read from the
source with ``ast`` — imports inside functions count too."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: package -> top-level modules it must never import
FORBIDDEN = {
    "reference": ("sim", "tests", "locust", "loadtests"),
    "sim": ("tests", "locust", "loadtests"),
    "loadtests": ("tests",),
}


def imported_modules(source: str) -> list[tuple[int, str]]:
    """``(line, module)`` of every import in ``source`` (absolute ones; relative ones stay inside)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(package: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, module in imported_modules(path.read_text(encoding="utf-8")):
            if module.split(".")[0] in forbidden:
                out.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    assert violations(package, FORBIDDEN[package]) == []


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    """The scan itself: an import inside a function, a ``from`` import and a plain one are seen."""
    source = "import os\nfrom sim.actors import ACTORS\n\ndef f():\n    import tests.servers\n"
    assert [m for _, m in imported_modules(source)] == ["os", "sim.actors", "tests.servers"]


def test_locust_is_imported_only_by_loadtests() -> None:
    for package in ("reference", "sim", "tests"):
        assert violations(package, ("locust",)) == [], package
