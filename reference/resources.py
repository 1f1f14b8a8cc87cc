"""Data shipped inside the distribution, found through package resources.

The contracts users read live at the top of the checkout (``openapi/``) and are installed as
the package ``reference.contracts`` (``setup.py`` maps the directory), so a wheel installed
anywhere serves the same files an editable checkout does.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's parser when PyYAML was built with it (its wheels are): the same documents, ~10x faster
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - a PyYAML without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

CONTRACTS = "reference.contracts"


def package_dir(package: str) -> Path:
    """The directory of a data package.  The sandbox is installed as files (a wheel or an
    editable checkout), never imported from a zip: relative ``$ref``s between spec files and
    Alembic's script directory need real paths."""
    root = files(package)
    if not isinstance(root, Path):
        raise RuntimeError(f"{package} is not installed as files on disk ({root!r})")
    return root


def contracts_dir() -> Path:
    """``openapi/``: one OpenAPI spec per family (and later WSDL/XSD under ``soap/``)."""
    return package_dir(CONTRACTS)


def contract(name: str) -> Path:
    """A contract file by its name under ``openapi/`` (e.g. ``nhsa-index.yaml``)."""
    path = contracts_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"no contract {name!r} in {contracts_dir()}")
    return path


def load_yaml(text: str) -> Any:
    """A YAML document read as ``yaml.safe_load`` reads it.  The catalogues, contracts, dictionaries
    and lessons the sandbox ships are ~1.1 s of pure-Python parsing in every process that loads them
    (a served worker, each ``imgcloud`` command, each test's sandbox); libyaml reads them in ~0.1 s."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader (libyaml's or PyYAML's)
