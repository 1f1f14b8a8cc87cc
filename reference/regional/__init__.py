"""What the families of seeds/004 share (like ``reference/national/`` for 000/002): the
identities and credentials the regional platform and the primary-care platform issue to a
hospital (``identity.py``), and the apply form's life as the exam moves (``applies.py``), which
the SOAP service (``families/syninfo``) and the archive REST API (``families/regional_archive``)
both read and move along."""
