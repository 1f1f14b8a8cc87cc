"""What both sides of seeds/001 (the data-collection plan, 数据采集) share: its reply envelope
(``replies.py``) and the report the hospital serves and the gateway reads (``report.py``).
The gateway family and the hospital's report family both speak it; neither reaches into the
other's package."""
