"""A step's request with the trainee's values filled in, as data and as the text to copy (curl or
a DCMTK command line), and the templates of its expectation."""
from __future__ import annotations

import json
import shlex
import string
from typing import Any

from .lessons import Request, Step

_RAW = "@"


class MissingValue(KeyError):
    """A template names a value the lesson was not prepared with."""


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        raise MissingValue(key)


def fill(template: Any, values: dict[str, Any]) -> Any:
    """``template`` (a string, list or mapping) with ``{name}`` and ``@name`` replaced."""
    if isinstance(template, str):
        if template.startswith(_RAW) and template[1:].isidentifier():
            return values[template[1:]] if template[1:] in values else _Values(values)[template[1:]]
        if "{" not in template:
            return template
        return string.Formatter().vformat(template, (), _Values(values))
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {fill(k, values): fill(v, values) for k, v in template.items()}
    return template


def request_data(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """The request as data: method, url, headers, json / form / files, or the command; ``before`` lines."""
    out: dict[str, Any] = {"tool": request.tool, "before": [fill(line, values) for line in request.before]}
    if request.tool == "dcmtk":
        out["command"] = fill(request.command, values)
        return out
    out.update(method=request.method, url=f"{values['base']}{fill(request.path, values)}",
               headers={k: fill(v, values) for k, v in request.headers.items()})
    if request.json_body is not None:
        out["json"] = fill(request.json_body, values)
    if request.body is not None:
        out["body"] = fill(request.body, values)
    if request.form is not None:
        out["form"] = {k: fill(v, values) for k, v in request.form.items()}
        out["files"] = {k: fill(v, values) for k, v in request.files.items()}
    return out


def _quoted(value: str) -> str:
    """Double quotes where the value uses a shell variable ($TOKEN), single quotes otherwise."""
    if "$" in value:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return shlex.quote(value)


def as_text(data: dict[str, Any]) -> str:
    """The request as the trainee copies it into a shell."""
    lines = list(data.get("before", []))
    if data["tool"] == "dcmtk":
        return "\n".join([*lines, data["command"]])
    parts = [f"curl -s -X {data['method']} {_quoted(data['url'])}"]
    parts += [f"-H {_quoted(f'{k}: {v}')}" for k, v in data["headers"].items()]
    if "form" in data:
        parts += [f"-F {_quoted(f'{k}={v}')}" for k, v in data["form"].items()]
        parts += [f"-F {_quoted(f'{k}=@{v}')}" for k, v in data["files"].items()]
        return "\n".join([*lines, " \\\n     ".join(parts)])
    if "json" in data:
        body = json.dumps(data["json"], ensure_ascii=False, indent=2)
        shell_vars = "$" in body
        parts += ["-H 'Content-Type: application/json'", "--data-binary @- <<" + ("EOF" if shell_vars else "'EOF'")]
        return "\n".join([*lines, " \\\n     ".join(parts), body, "EOF"])
    if "body" in data:  # a raw body as written (a SOAP envelope): no shell expansion inside
        parts.append("--data-binary @- <<'EOF'")
        return "\n".join([*lines, " \\\n     ".join(parts), data["body"], "EOF"])
    return "\n".join([*lines, " \\\n     ".join(parts)])


def shown(step: Step, values: dict[str, Any]) -> dict[str, Any]:
    data = request_data(step.request, values)
    return {"request": data, "text": as_text(data)}
