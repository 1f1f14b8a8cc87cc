"""Loading the family contracts, and joining them into the one API Connexion serves.

Each family keeps its own spec file (the contract users read).  Connexion chains APIs
that share a base path only pairwise (a third one at the same base path is silently
unreachable), and our families share the seeds' absolute paths, so the app serves one
API whose paths are the union of the families' paths, each with its refs resolved.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connexion.json_schema import resolve_refs
from connexion.spec import OpenAPISpecification

from reference.resources import load_yaml

if TYPE_CHECKING:
    from reference.families import Family

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
HTML = "text/html"


@cache
def resolved_spec(path: Path) -> dict[str, Any]:
    """A spec file with every ``$ref`` (local and relative-file) resolved."""
    raw = load_yaml(path.read_text(encoding="utf-8"))
    return dict(resolve_refs(raw, base_uri=path.as_uri()))


@dataclass(frozen=True)
class JoinedSpec:
    spec: dict[str, Any]
    owners: dict[str, Family]        # path -> the family whose contract defines it
    pages: frozenset[str]            # operationIds whose errors are HTML pages
    page_paths: tuple[re.Pattern[str], ...] = ()  # their path templates: a page path that routes nowhere

    def is_page(self, operation: str | None, path: str) -> bool:
        """Whether a reply to this request is a page (an HTML error), routed or not (a browser's
        URL with a character no route accepts still asked for a page)."""
        if operation is not None:
            return operation in self.pages
        return any(p.match(path) for p in self.page_paths)


def _error_media_types(operation: dict[str, Any]) -> set[str]:
    """Media types an operation declares for its errors (4xx, 5xx, 4XX, 5XX, default)."""
    found: set[str] = set()
    for code, response in (operation.get("responses") or {}).items():
        if str(code)[0] in "45" or str(code) == "default":
            found |= set((response or {}).get("content") or {})
    return found


def page_operations(spec: dict[str, Any]) -> frozenset[str]:
    """operationIds whose errors are HTML pages."""
    return frozenset(op["operationId"] for item in spec.get("paths", {}).values() for m in METHODS
                     if isinstance(op := item.get(m), dict) and HTML in _error_media_types(op))


def joined_spec(families: Sequence[Family]) -> JoinedSpec:
    paths: dict[str, Any] = {}
    owners: dict[str, Family] = {}
    pages: set[str] = set()
    page_paths: list[re.Pattern[str]] = []
    for family in families:
        for path, item in family.spec().get("paths", {}).items():
            if path in paths:
                raise ValueError(f"path {path} is defined by both {owners[path].name} and {family.name}")
            paths[path], owners[path] = item, family
        family_pages = family.pages()
        pages |= family_pages
        page_paths += [_template(path) for path, item in family.spec().get("paths", {}).items()
                       if any(isinstance(op := item.get(m), dict) and op.get("operationId") in family_pages for m in METHODS)]
    spec = {"openapi": "3.0.3", "info": {"title": "imgcloud-sandbox (all families)", "version": "1.0"},
            "paths": paths}
    return JoinedSpec(spec, owners, frozenset(pages), tuple(page_paths))


def _template(path: str) -> re.Pattern[str]:
    """A path template (``/centre/{centreCode}/image/{accession}``) as a pattern any value matches."""
    parts = re.split(r"\{[^}]+\}", path)
    return re.compile("".join(re.escape(p) + ("[^/]+" if i < len(parts) - 1 else "") for i, p in enumerate(parts)) + r"\Z",
                      re.DOTALL)


#: Fingerprints of the specs Connexion has validated in this process (``validate_each_spec_once``).
_VALIDATED: set[str] = set()


def validate_each_spec_once() -> None:
    """Make Connexion validate a given spec against the OpenAPI schema once per process.

    Connexion validates the spec each time an app is built (``Specification.__init__``, no option
    to skip it): ~0.2 s of jsonschema for the joined spec, in every test that builds a sandbox's app
    (a few hundred) and each ``with_base_path`` clone.  The same text is as valid the second time:
    a spec is now known by a hash of its JSON (~5 ms), and only one never seen before (or one that
    failed) is validated.  Idempotent."""
    current = inspect.getattr_static(OpenAPISpecification, "_validate_spec")  # a classmethod, inherited
    if getattr(current, "validates_once", False):
        return
    OpenAPISpecification._validate_spec = _once(current.__func__)


def _once(validate: Callable[[type, dict[str, Any]], None]) -> Any:
    def checked(cls: type, spec: dict[str, Any]) -> None:
        try:
            text = json.dumps(spec, sort_keys=True, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):  # keys of mixed types (a spec not made by ``from_dict``): no fingerprint
            validate(cls, spec)
            return
        key = f"{cls.__qualname__}:{hashlib.blake2b(text).hexdigest()}"
        if key not in _VALIDATED:
            validate(cls, spec)  # raises InvalidSpecification: not remembered
            _VALIDATED.add(key)

    checked.validates_once = True  # type: ignore[attr-defined]
    return classmethod(checked)
