"""Which sub-commands ``imgcloud`` imports only when one runs (or ``--help`` lists them).

``imgcloud sm2 decrypt …`` needs the SM2 helpers, not every family's handlers, the served app and
pynetdicom: importing all of them started each command in 2–4 s on a 2-core machine (issue 12's
note), paid by every command a user, a lesson or a README block runs.  A family's own commands
(``Family.sim_cli``) are read from its package's ``FAMILY = Family(...)`` declaration as written,
without importing the package — the family records stay the one place that says which family
mounts what (a test compares this reading with ``all_families()``).  A declaration whose
``sim_cli`` is not written as a literal is read by importing that one package.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
from functools import cache
from pathlib import Path

#: The sandbox's own sub-commands: ``name -> "module:attribute"`` (a ``typer.Typer``, or a function
#: mounted as one command), listed in this order after the commands of ``sim.cli``.
OWN: dict[str, str] = {
    "exams": "sim.cli.listings:exams",
    "indexes": "sim.cli.listings:indexes",
    "scenario": "sim.cli.scenario:app",
    "contract": "sim.contract.cli:app",
    "dicom": "sim.cli.dicom:app",
    "tour": "sim.cli.tour:app",
    "load": "sim.cli.load:app",
}


def _declared(text: str) -> dict[str, object] | None:
    """The literal keywords of the ``Family(...)`` call assigned to ``FAMILY``; ``None`` when there is
    no such call to read as written."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "FAMILY" for t in node.targets)
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "Family"):
            return {k.arg: k.value.value for k in node.value.keywords
                    if k.arg and isinstance(k.value, ast.Constant) and isinstance(k.value.value, (str, bool))}
    return None


def _imported(package: str) -> dict[str, object]:
    family = importlib.import_module(package).__dict__.get("FAMILY")
    return {k: getattr(family, k) for k in ("name", "sim_cli", "sim_cli_name", "fallback") if hasattr(family, k)}


def _family(init: Path) -> dict[str, object]:
    """What ``init`` declares of its family's name and commands: read as written, else imported
    (a ``sim_cli`` that is not a string literal, or no ``FAMILY = Family(...)`` to read)."""
    text = init.read_text(encoding="utf-8")
    declared = _declared(text)
    if declared is None or ("sim_cli" not in declared and "sim_cli" in text):
        return _imported(f"reference.families.{init.parent.name}")
    return declared


@cache
def family_clis() -> dict[str, str]:
    """``mount name -> "module:app"`` of every family declaring ``sim_cli``, in ``all_families()``'s
    order (by name, the fallback family last)."""
    spec = importlib.util.find_spec("reference.families")
    found: list[tuple[bool, str, str, str]] = []
    for location in (spec.submodule_search_locations or []) if spec else []:
        for init in sorted(Path(location).glob("*/__init__.py")):
            family = _family(init)
            module, name = family.get("sim_cli"), family.get("name")
            if isinstance(module, str) and isinstance(name, str):
                mount = family.get("sim_cli_name")
                found.append((bool(family.get("fallback")), name, mount if isinstance(mount, str) else name, module))
    return {mount: f"{module}:app" for _, _, mount, module in sorted(found)}


def lazy_commands() -> dict[str, str]:
    """Every sub-command imported on demand: the sandbox's own, then the families'."""
    return {**OWN, **family_clis()}
