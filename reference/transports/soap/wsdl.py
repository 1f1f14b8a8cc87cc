"""A SOAP service as its WSDL describes it (the contract users read, under ``openapi/soap/``).

Only what the front door and the client need is read: the target namespace, the address
path of the service (its ``soap:address``; the host part is replaced by wherever the party is
reached), and for each operation of the document/literal wrapped binding its request element
with the parameter names, and its response element with the result name.  The WSDL is served
as written, with the address and (when configured) the namespace of this sandbox.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from reference.resources import contract

from . import xml

WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
_LOCATION = re.compile(r'(<soap:address\s+location=")[^"]*(")')


@dataclass(frozen=True)
class Operation:
    name: str
    request: str            # the request element's local name (== name, wrapped style)
    params: tuple[str, ...]  # its children, in order
    response: str
    result: str             # the response element's one child


@dataclass(frozen=True)
class Service:
    file: str
    namespace: str
    path: str                   # the address path, e.g. /YlzSynInfoService/services/service
    operations: dict[str, Operation]
    text: str                   # the WSDL as written

    def operation(self, name: str) -> Operation | None:
        return self.operations.get(name)

    def document(self, location: str, namespace: str | None = None) -> str:
        """The WSDL served at ``location`` (and in ``namespace`` when another is configured)."""
        text = _LOCATION.sub(lambda m: m.group(1) + location + m.group(2), self.text)
        return text.replace(self.namespace, namespace) if namespace and namespace != self.namespace else text


def _children(schema: etree._Element, element: str) -> tuple[str, ...]:
    found = schema.find(f"{{{XSD}}}element[@name='{element}']")
    if found is None:
        raise ValueError(f"the WSDL's types declare no element {element}")
    return tuple(e.get("name") for e in found.iter(f"{{{XSD}}}element") if e is not found)


def _message_element(root: etree._Element, message: str) -> str:
    msg = root.find(f"{{{WSDL}}}message[@name='{message.split(':')[-1]}']")
    part = msg.find(f"{{{WSDL}}}part") if msg is not None else None
    if part is None or not part.get("element"):
        raise ValueError(f"message {message}: document/literal wrapped needs one part with an element")
    return str(part.get("element")).split(":")[-1]


@cache
def load(file: str) -> Service:
    """The service of ``openapi/<file>`` (parsed once)."""
    path: Path = contract(file)
    text = path.read_text(encoding="utf-8")
    root = xml.parse(text.encode("utf-8"), what=file)
    namespace = root.get("targetNamespace") or ""
    schema = root.find(f"{{{WSDL}}}types/{{{XSD}}}schema")
    address = root.find(f".//{{{WSDL}}}port/{{{WSDL_SOAP}}}address")
    if schema is None or address is None:
        raise ValueError(f"{file}: needs wsdl:types/xs:schema and a soap:address")
    operations = {}
    for op in root.iterfind(f"{{{WSDL}}}portType/{{{WSDL}}}operation"):
        name = str(op.get("name"))
        request = _message_element(root, str(op.find(f"{{{WSDL}}}input").get("message")))
        response = _message_element(root, str(op.find(f"{{{WSDL}}}output").get("message")))
        results = _children(schema, response)
        operations[name] = Operation(name, request, _children(schema, request), response, results[0] if results else "return")
    return Service(file, namespace, urlsplit(str(address.get("location"))).path, operations, text)
