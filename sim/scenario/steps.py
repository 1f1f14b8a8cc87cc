"""Running one step: an action, a call of an interface, or a wait; then capture and expect.

``Run.step(step)`` returns an ``Outcome``; exceptions never escape it: an unexpected one
makes the step ``error``, ``StepSkipped`` makes it ``skip`` (``fail`` if a check already
failed), a check that does not hold makes it ``fail``.
"""
from __future__ import annotations

import copy
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from reference.parties import callers
from reference.sandbox import Sandbox

from .expect import check
from .model import Step
from .paths import PathError, get_at, interpolate, remove_at, select, set_at
from .registry import Registry, StepContext, StepSkipped

EXCHANGE_HEADER = "x-imgcloud-exchange"


class ExchangeUnavailable(RuntimeError):
    """A finding was to be checked, but the sandbox logged no exchange for the step."""


@dataclass
class Outcome:
    result: str
    messages: list[str] = field(default_factory=list)
    captured: dict[str, Any] = field(default_factory=dict)
    exchange: str | None = None


class Roots(dict[str, Any]):
    """The documents paths read; ``$exchange`` is fetched from the sandbox on first use."""

    def __init__(self, ctx: StepContext, result: Any, **more: Any) -> None:
        super().__init__({"$": result, **{"$" + k: v for k, v in more.items()}})
        self.ctx = ctx

    def __missing__(self, key: str) -> Any:
        if key != "$exchange":
            raise KeyError(key)
        base = self.ctx.exchange_base or self.ctx.base_url
        if base != self.ctx.base_url:  # logged by an external party: its internals, not read
            raise StepSkipped(f"该交换记录在外部系统 {base} 的日志中，不读取 / the exchange is in the log of the external "
                              f"system {base}, which is not read")
        if not self.ctx.exchange_uid:
            raise ExchangeUnavailable("no exchange to check: the response carried no X-Imgcloud-Exchange header "
                                      "(the party is not served by the sandbox?)")
        entry = self.ctx.exchange()
        if entry is None:
            raise ExchangeUnavailable(f"the sandbox logged no exchange {self.ctx.exchange_uid} "
                                      f"within {self.ctx.exchange_timeout:g} s")
        self[key] = entry
        return entry


class Run:
    """One scenario run's state: its variables, HTTP client and (optional) storage handle."""

    def __init__(self, ctx_args: dict[str, Any], registry: Registry, variables: dict[str, Any],
                 storage: bool) -> None:
        self.ctx_args, self.registry, self.vars = ctx_args, registry, variables
        self._storage_allowed = storage
        self._sandbox: Sandbox | None = None

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()

    def _storage(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox.open(self.ctx_args["config"], migrate=False)
        return self._sandbox

    def context(self, step: Step, messages: list[str]) -> StepContext:
        return StepContext(**self.ctx_args, vars=self.vars, log=messages.append, step_id=step.id,
                           storage=self._storage if self._storage_allowed else None)

    # -- one step ------------------------------------------------------------------------------
    def step(self, step: Step) -> Outcome:
        out = Outcome("pass")
        ctx = self.context(step, out.messages)
        failures: list[str] = []
        try:
            roots = getattr(self, f"_{step.kind}")(step, ctx, failures)
            out.captured = self._capture(step, roots, failures)
            self.vars.update(out.captured)
            for exp in step.spec.get("expect") or []:
                failures += self._check(exp, roots, ctx)
            out.result = "fail" if failures else "pass"
        except StepSkipped as exc:  # from the step's own action
            out.result = "fail" if failures else "skip"
            failures.append(f"skipped: {exc}")
        except Exception as exc:  # noqa: BLE001 - any exception is the step's error
            out.result = "error"
            failures.append(_describe(exc))
        out.exchange = ctx.exchange_uid
        out.messages[:0] = failures
        return out

    def _check(self, exp: dict[str, Any], roots: Roots, ctx: StepContext) -> list[str]:
        """Reasons ``exp`` fails; a ``state:`` check its action cannot make here is noted, not failed."""
        exp = interpolate(exp, self.vars)
        try:
            reasons = check(exp, roots, lambda name, params: self.registry.actions[name](ctx, params))
        except StepSkipped as exc:
            label = exp.get("title") or exp.get("state") or exp.get("finding") or \
                ("no_findings " + str(exp["no_findings"]) if "no_findings" in exp else "expectation")
            ctx.log(f"not checked: {label}: {exc}")
            return []
        title = exp.get("title")
        return [f"{title}: {r}" for r in reasons] if title else reasons

    def _capture(self, step: Step, roots: Roots, failures: list[str]) -> dict[str, Any]:
        captured = {}
        for name, path in (step.spec.get("capture") or {}).items():
            found, value = select(path, roots)
            if found:
                captured[name] = value
            else:
                failures.append(f"capture {name}: {path} found nothing")
        return captured

    # -- kinds -----------------------------------------------------------------------------------
    def _action(self, step: Step, ctx: StepContext, failures: list[str]) -> Roots:
        params = interpolate(step.spec.get("with") or {}, self.vars)
        result = self.registry.actions[step.spec["action"]](ctx, params)
        xml = result.get("xml") if isinstance(result, dict) else None  # an action may hand over an XML document
        return Roots(ctx, result, **({"xml": xml} if isinstance(xml, str) else {}))

    def _wait(self, step: Step, ctx: StepContext, failures: list[str]) -> Roots:
        spec = step.spec["wait"]
        until = spec["until"] if isinstance(spec["until"], list) else [spec["until"]]
        timeout, interval = float(spec.get("timeout", 30)), float(spec.get("interval", 0.5))
        deadline, tries = time.monotonic() + timeout, 0
        while True:
            tries += 1
            params = interpolate(spec.get("with") or {}, self.vars)
            roots = Roots(ctx, self.registry.actions[spec["action"]](ctx, params))
            reasons = [r for exp in until for r in self._check(exp, roots, ctx)]
            if not reasons:
                ctx.log(f"ready after {tries} tr{'y' if tries == 1 else 'ies'}")
                return roots
            if time.monotonic() + interval > deadline:
                failures.append(f"timed out after {timeout:g} s ({tries} tries); last: {'; '.join(reasons)}")
                return roots
            time.sleep(interval)

    def _soap(self, step: Step, ctx: StepContext, failures: list[str]) -> Roots:
        """A SOAP 1.1 call of a family's WSDL operation; ``$xml`` is the reply document (empty after a
        Fault, which ``$.fault`` names)."""
        from reference.transports.soap.client import SoapClient
        from reference.transports.soap.xml import XmlRefused, as_dict, parse

        interface = self.registry.soap_interfaces()[step.spec["soap"]]
        args = {k: str(v) for k, v in interpolate(step.spec.get("args") or {}, self.vars).items()}
        namespace = ctx.config.parties[interface.party].soap_namespace
        client = SoapClient(None, party="scenario", family=interface.family, wsdl_file=interface.wsdl, namespace=namespace,
                            http=ctx.http)
        result = client.call(interface.url(ctx), interface.operation, args)
        ctx.exchange_uid, ctx.exchange_base = result.peer_exchange, ctx.party_url(interface.party)
        document: Any = None
        if result.result:
            try:
                document = as_dict(parse(result.result, what="reply"))
            except XmlRefused:
                document = None
        body = {"status": result.status, "result": result.result, "document": document, "fault": result.fault,
                "findings": [f.to_dict() for f in result.findings]}
        return Roots(ctx, body, request=args, status=result.status, xml=result.result or "")

    def _call(self, step: Step, ctx: StepContext, failures: list[str]) -> Roots:
        spec = step.spec
        interface = self.registry.interfaces[spec["call"]]
        ctx.institution = interpolate(spec["as"], self.vars) if "as" in spec else _default_caller(ctx, interface.party)
        headers = {"content-type": spec.get("content_type", "application/json"),
                   **interpolate(spec.get("headers") or {}, self.vars)}
        if "raw" in spec:
            request: Any = interpolate(spec["raw"], self.vars)
            content = str(request).encode("utf-8")
        else:
            request = self._body(spec, ctx, interface)
            content = json.dumps(request, ensure_ascii=False).encode("utf-8")
        response = ctx.http.request(interface.method, interface.url(ctx), content=content, headers=headers)
        ctx.exchange_uid = response.headers.get(EXCHANGE_HEADER)
        ctx.exchange_base = ctx.party_url(interface.party)  # an external sandbox logs its own exchanges
        try:
            body: Any = response.json() if response.content else None
        except ValueError:
            body = response.text
        return Roots(ctx, body, request=request, status=response.status_code,
                     headers={k.lower(): v for k, v in response.headers.items()})

    def _body(self, spec: dict[str, Any], ctx: StepContext, interface: Any) -> Any:
        if "body" in spec:
            body = copy.deepcopy(interpolate(spec["body"], self.vars))
        else:
            rows = spec["rows"]
            if isinstance(rows, dict):
                params = interpolate({k: v for k, v in rows.items() if k != "generate"}, self.vars)
                rows = self.registry.generators[rows["generate"]](ctx, params)
            else:
                rows = interpolate(rows, self.vars)
            if not isinstance(rows, list):
                raise TypeError(f"rows must be a list, got {type(rows).__name__}")
            assert ctx.institution is not None
            body = copy.deepcopy(interface.build(ctx, ctx.institution, copy.deepcopy(rows), interface.operation))
        for path, value in interpolate(spec.get("override") or {}, self.vars).items():
            set_at(body, path, value)
        for path, how in (spec.get("mutate") or {}).items():
            name, args = (how, {}) if isinstance(how, str) else next(iter(interpolate(how, self.vars).items()))
            set_at(body, path, self.registry.mutators[name](get_at(body, path), dict(args or {})))
        for path in spec.get("remove") or []:
            remove_at(body, path)
        return body


def _default_caller(ctx: StepContext, party: str) -> str:
    kinds = callers(party)
    inst = next((i for i in ctx.config.institutions if i.kind in kinds), None) or next(iter(ctx.config.institutions), None)
    if inst is None:
        raise KeyError("the config names no institution to call as")
    return inst.code


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (PathError, ExchangeUnavailable)):
        return str(exc)
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {text}{at}"
