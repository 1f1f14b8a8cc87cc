"""Examples of the console's operations (issue 13): the newest exchange; a party set back to its
configuration; a fault scoped to a calling AE no one else uses (SWAGGER), then that tenant's reset —
so trying them in the page's order leaves the sandbox as it was."""
from __future__ import annotations

from .context import Context, Example


def sandbox_console(ctx: Context) -> dict[str, Example]:
    out = {
        "setParty": Example(params={"party": "province_cloud"}, body={"mode": "configured"},
                            note="sets the provincial cloud back to the configuration file's mode"),
        "addFault": Example(body={"party": "hospital", "operation": "C-FIND", "kind": "delay", "delay_ms": 500,
                                  "institution": "SWAGGER"},
                            note="C-FIND answers half a second late, to the calling AE SWAGGER only"),
        "resetTenant": Example(params={"code": "SWAGGER"}, note="forgets the tenant SWAGGER (the addFault example's)"),
    }
    newest = ctx.sandbox.exchanges.query(limit=1, bodies=False)
    if newest:
        out["consoleExchange"] = Example(params={"uid": newest[0]["uid"]})
        out["exchangeBody"] = Example(params={"uid": newest[0]["uid"], "part": "request"})
        missed = ctx.sandbox.exchanges.query(rule="HTTP-NOT-FOUND", limit=1, bodies=False)
        out["nearMisses"] = (Example(params={"uid": missed[0]["uid"]}, note="the newest request to a path nobody serves")
                             if missed else Example(params={"uid": newest[0]["uid"]},
                                                    note="the newest exchange (an empty list unless it was refused as unknown)"))
    return out
