"""The national data set and envelope (seeds/000 §1.1.2, seeds/002 §二–三; INTERFACES.md §1–2),
shared by every family that speaks it — the national index and the imaging centre — so that
neither imports the other's internals.

- ``replies.py``: the success / error envelopes and the per-row answer;
- ``checks.py``: the envelope checks (infno, node, institution, key, msgid);
- ``idempotency.py``: msgid replay and conflict;
- ``row_rules.py``: the rules on a row of the 000 data set beyond its schema;
- ``request.py``: building a request envelope, and judging a reply, as a caller does.
"""
