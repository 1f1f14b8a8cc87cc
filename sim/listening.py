"""The HTTP socket a sandbox serves from (``imgcloud serve``, a scenario's or a test's sandbox),
bound and listening before anything else of the sandbox starts."""
from __future__ import annotations

import socket

#: Connections the kernel queues before uvicorn accepts them (uvicorn's own default).
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` (0: a free port) and listening, as uvicorn binds one.

    Listening at once, not when uvicorn starts: a bound socket that is not yet listening lets
    another ``SO_REUSEADDR`` socket bind its port too — a DICOM SCP started before uvicorn on that
    port answered the sandbox's HTTP requests in a clean-clone CI run.  ``OSError`` as ``bind`` or
    ``listen`` raised it (the socket closed)."""
    sock = socket.socket(family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock
