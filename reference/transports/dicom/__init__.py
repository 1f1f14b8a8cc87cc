"""The DICOM transport (pynetdicom): SCPs with handlers bound to events as data (``scp.py``),
the SCU client (``client.py``), Query/Retrieve over a catalogue (``qr.py``, ``retrieve.py``),
storage (``store.py``), the recorder (``recorder.py``), the error boundary (``boundary.py``),
DIMSE statuses as data (``status.py``) and the explicit pynetdicom patches (``patches.py``).

Which SCP a party runs is the family's business (``reference/families/*``: the hospital PACS,
the regional archive, the gateway's storage SCP); this package holds what they share.
Importing it imports nothing heavy."""
