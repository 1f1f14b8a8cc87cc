"""``reference.resources.load_yaml``: libyaml's safe loader where PyYAML has it, reading every YAML
file the sandbox ships exactly as ``yaml.safe_load`` does, and as safely."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from reference.resources import SafeLoader, load_yaml

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for d in ("openapi", "reference", "sim", "scenarios") for p in (ROOT / d).rglob("*.yaml"))


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    assert SafeLoader is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)


def test_every_shipped_yaml_file_reads_as_safe_load_reads_it() -> None:
    assert len(SHIPPED) > 80
    for path in SHIPPED:
        text = path.read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), path


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['true']", "!!python/name:os.system"])
def test_no_python_object_is_built(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml(text)


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        load_yaml("a: 1\nb: [2\n")
    assert raised.value.problem_mark is not None and raised.value.problem_mark.line >= 1
