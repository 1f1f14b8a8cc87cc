"""One package per transport (HTTP and DICOM now; SOAP and SQL join as their families need them).

Each transport has the same three parts:

- a **front door** that turns what arrives into a call of one family operation (HTTP:
  Connexion routing + ``resolver.py``; DICOM: handlers bound to pynetdicom events);
- **one error boundary** that turns any exception into the family's native reply in the
  transport's media type (HTTP: ``boundary.py`` — the family's JSON envelope, or an HTML
  page for page operations; DICOM: ``boundary.py`` — a failure status);
- a **recorder** that writes every exchange through ``reference.exchanges.recording`` with
  the transport's verdict table (``reference/exchanges/verdicts.py``).

Outbound calls (``http/client.py``, ``dicom/client.py``) record through the same API.
"""
