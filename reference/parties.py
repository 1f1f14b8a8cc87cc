"""The parties as the sandbox presents them (INTERFACES.md, Parties): where each is reached and
what it offers, derived from the configuration and the family records — no table to keep."""
from __future__ import annotations

from reference.config import Config
from reference.families import all_families, for_party


def base_url(config: Config, party: str) -> str:
    """Where ``party`` is reached: this sandbox when simulated, else its configured address."""
    cfg = config.parties[party]
    if cfg.mode == "external":
        return (cfg.base_url or f"http://{cfg.host}:{cfg.port}").rstrip("/")
    return config.public_url


def endpoint_paths(party: str) -> dict[str, str]:
    """``name -> path`` of what ``party`` serves: each family's operations (not its pages), its
    published links, its SOAP services' WSDLs, and its Swagger UI."""
    out: dict[str, str] = {}
    for family in for_party(party):
        pages = family.pages()
        out.update({op: path for op, (_, path) in family.operations().items() if op not in pages})
        out.update(family.links)
        if family.wsdl:  # a SOAP service: its WSDL (the address path may hold {parameters})
            from reference.transports.soap.wsdl import load

            service = load(family.wsdl)
            out.update({f"{op} (SOAP)": f"{service.path}?wsdl" for op in service.operations})
        if family.contract:
            out[f"docs ({family.name})" if len(for_party(party)) > 1 else "docs"] = f"/_sandbox/docs/{family.name}/"
    return out


def endpoint_path(party: str, operation: str) -> str | None:
    """The path of ``operation`` as ``party`` serves it."""
    for family in for_party(party):
        found = family.operations().get(operation)
        if found is not None:
            return found[1]
    return None


def callers(party: str) -> tuple[str, ...]:
    """Institution kinds that call ``party`` (they get credentials for it)."""
    return tuple(kind for family in for_party(party) for kind in family.callers)


def providers() -> list[str]:
    """Parties that serve at least one family."""
    return sorted({f.party for f in all_families() if not f.fallback})
