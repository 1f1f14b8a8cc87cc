"""The scenario an export is building (record and replay, issue 13): its steps, what it could not
replay and why, and the maps that turn volatile recorded values into variables — a token to the
variable its (re)issuing step captures, a value the sandbox generated in a reply (an exam id, a
film URL, a UID) to the variable captured from the step whose reply carries it, an institution's
issued credentials to the variable of a step that asks the sandbox for them at replay time (a
secret is never written into the file).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reference.config import Config
from reference.exchanges.masking import masked

#: What a sandbox-generated identifier in a reply looks like: long digit strings (exam ids), DICOM
#: UIDs, long hex or base-36 tokens, absolute URLs (a film page) — short codes and words are not.
#: ``(exchange, "request" | "response", field)``: the bytes the recording sandbox keeps of that part (a
#: body kept as size + sha256, the instance a C-STORE stored) or of its ``field`` (an upload's file,
#: ``form.files.dicomFile``), or None.
Download = Callable[[dict[str, Any], str, str | None], bytes | None]
_GENERATED = re.compile(r"^(?:\d{12,}|\d+(?:\.\d+){4,}|[0-9a-f]{24,}|https?://\S+)$")


def escape(value: Any) -> Any:
    """A recorded literal as a scenario value: ``${`` written ``$${`` so it is not a reference."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, list):
        return [escape(v) for v in value]
    if isinstance(value, dict):
        return {k: escape(v) for k, v in value.items()}
    return value


@dataclass
class Produced:
    step: dict[str, Any]
    path: str
    var: str


@dataclass
class Plan:
    """One export under way."""

    config: Config
    steps: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: the scenario's vars (a SOAP service's address parameters, e.g. ``{hospital}``)
    vars: dict[str, Any] = field(default_factory=dict)
    #: ``(party, institution)`` -> the variable holding the token issued last
    tokens: dict[tuple[str, str], str] = field(default_factory=dict)
    #: a value a recorded reply carried -> where the replayed step's result carries it
    generated: dict[str, Produced] = field(default_factory=dict)
    #: institution -> the variable of its ``regional.credentials`` step
    credentials: dict[str, str] = field(default_factory=dict)

    def add(self, step: dict[str, Any]) -> dict[str, Any]:
        self.steps.append(step)
        return step

    def skip(self, exchange: dict[str, Any], reason: str) -> None:
        what = exchange.get("operation") or exchange.get("url")
        self.skipped.append(f"#{exchange['id']} {exchange.get('transport')} {what}: {reason}")

    # -- tokens ------------------------------------------------------------------------------
    def token_var(self, step: dict[str, Any], party: str, institution: str, path: str) -> str:
        """The step (re)issues ``institution``'s token for ``party``: capture it; later calls send it."""
        var = f"token_{step['id']}"
        step.setdefault("capture", {})[var] = path
        self.tokens[(party, institution)] = var
        return var

    # -- generated values --------------------------------------------------------------------
    def produced_by(self, step: dict[str, Any], reply: Any, base: str) -> None:
        """Remember every generated-looking value of a recorded ``reply``, read at ``base`` in the
        replayed step's result (``$.json`` for ``http.send``)."""
        for path, value in _leaves(reply, base):
            if isinstance(value, str) and _GENERATED.match(value) and value not in self.generated:
                self.generated[value] = Produced(step, path, f"gen_{step['id']}_{len(self.generated)}")

    def substitute(self, value: Any) -> Any:
        """A recorded request value with each generated value an earlier reply carried as its
        variable (captured by that step from now on); other literals escaped."""
        if isinstance(value, str):
            found = self.generated.get(value)
            if found is None:
                return escape(value)
            found.step.setdefault("capture", {})[found.var] = found.path
            return "${" + found.var + "}"
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value

    def url_var(self, path: str) -> str | None:
        """The variable of an absolute URL an earlier reply handed over that ends in ``path`` (the
        film page a getdigitalImageUrl answered), so the replay opens the URL the fresh sandbox gave."""
        for value, found in self.generated.items():
            if value.startswith("http") and path and value.endswith(path):
                found.step.setdefault("capture", {})[found.var] = found.path
                return found.var
        return None

    # -- issued credentials ------------------------------------------------------------------
    def hide_credentials(self, text: str, institution: str | None) -> str:
        """``text`` with the institution's issued license / Jiwei key (seeds/004) as variables of a
        ``regional.credentials`` step asked at replay (a secret is not written into the file)."""
        from reference.regional import identity

        inst = self.config.institution(institution or "")
        if inst is None or inst.kind != "hospital":
            return text
        issued = identity.credentials(self.config, inst)
        # as sent, or as the log keeps it masked ("****" + its last four: the issued one, not a wrong one)
        found = {form: n for n in ("license", "jiweiKey") if issued[n]
                 for form in (issued[n], masked(issued[n])) if form in text}
        if not found:
            return text
        var = self.credentials.get(inst.code)
        if var is None:
            var = self.credentials[inst.code] = f"credentials_{inst.code}"
            self.add({"id": f"credentials-{inst.code}",
                      "title": f"平台签发给 {inst.code} 的凭据（回放时取） / {inst.code}'s issued credentials, asked at replay",
                      "action": "regional.credentials", "with": {"hospital": inst.code}, "capture": {var: "$"}})
        for form, name in sorted(found.items(), key=lambda item: -len(item[0])):
            text = _replace_value(text, form, "${" + var + "." + name + "}")
        return text


def _replace_value(text: str, value: str, by: str) -> str:
    """``value`` replaced where it is a whole element's text (``>value<``, escaped or not): a masked
    form such as ``****DD2E`` is not replaced inside a longer value."""
    for before, after in ((">", "<"), ("&gt;", "&lt;")):
        text = text.replace(before + value + after, before + by + after)
    return text


def _leaves(value: Any, path: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(k))
                for leaf in _leaves(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, f"{path}[{i}]")]
    return [(path, value)]
