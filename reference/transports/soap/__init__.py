"""The SOAP 1.1 transport (seeds/004 §3.4 "XML+WebService"; INTERFACES.md §5), the same three
parts as HTTP and DICOM:

- the **front door** (``front.py``): one route per family whose record names a WSDL
  (``Family.wsdl``, ``openapi/soap/*.wsdl``), at the service's address path; ``?wsdl`` serves
  the WSDL, a POST is read as a SOAP 1.1 call (``envelope.py``) of one of its operations and
  handed to the family's handler of that name (``handler(SoapContext) -> reply document``);
- **one error boundary** (``boundary.py``): a malformed or hostile call gets a SOAP Fault, a
  handler's ``NativeError`` the operation's own failure reply (``Family.soap_error``), a bug a
  Server Fault naming SANDBOX-INTERNAL;
- a **recorder** (``recorder.py``) writing every exchange with transport ``soap``.

XML is read hardened everywhere (``xml.py``: no network, no DTD or entities, bounded size,
depth and element count); documents carried as text are checked against their XSD with
every error as a named finding (``documents.py``).  ``client.py`` is the outbound side.
"""
