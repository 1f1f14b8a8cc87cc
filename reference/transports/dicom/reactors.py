"""pynetdicom 3.0.x's two reactor loops made event-driven (installed by ``patches.install``).

pynetdicom polls: each association's DUL thread sleeps 1 ms whenever it finds nothing to do
(``DULServiceProvider.run_reactor``), and its association thread sleeps 1 ms before every look
at the DIMSE queue (``Association._run_reactor``).  Every hop of a DIMSE exchange therefore
waits up to a millisecond (Linux rounds it up): a C-FIND in one association paid ~3 such waits
per query, a C-GET three per instance (C-STORE-RQ out, its response in, the pending C-GET
response out) — most of our SCP's time in ``loadtests/dicom_bench.py``'s profile.

Here the DUL thread waits in ``select`` on its association socket and on a wake-up socket pair
that ``send_pdu`` writes one byte to, and the association thread waits on an event the DUL sets
after each state-machine action (a DIMSE message completed, a release or abort received) and
when it ends.  Neither wait is longer than ``IDLE_WAIT``, so what pynetdicom only polls for —
the ARTIM and idle (network) timers, a kill flag set by another thread — is still noticed, within
10 ms instead of 1 ms.  Everything else in both loops is pynetdicom's own, in its order: one
primitive sent or one PDU read, then one event, per DUL loop; the reactor's pause checkpoint,
release, abort, DUL-alive and network-timeout checks as before.
"""
from __future__ import annotations

import logging
import queue
import select
import socket
import ssl
import threading
import time
from typing import Any, cast

from pynetdicom import evt
from pynetdicom.association import Association
from pynetdicom.dul import DULServiceProvider
from pynetdicom.pdu import A_ABORT_RQ
from pynetdicom.transport import AssociationSocket

LOGGER = logging.getLogger("pynetdicom.dul")  # pynetdicom's own logger: its messages unchanged
ASSOC_LOGGER = logging.getLogger("pynetdicom.association")

#: Longest an idle reactor waits before it looks at its timers and kill flag again (seconds).
IDLE_WAIT = 0.01

_lock = threading.Lock()


class _Wake:
    """A DUL's wake-up line: a connected socket pair (never a raw descriptor, so a write after
    closing fails instead of landing in a reused one); writes never block (one pending byte is
    as good as many)."""

    def __init__(self) -> None:
        self.reader, self.writer = socket.socketpair()
        self.reader.setblocking(False)
        self.writer.setblocking(False)

    def poke(self) -> None:
        try:
            self.writer.send(b"\0")
        except OSError:  # full (a wake-up is already pending) or closed
            pass

    def drain(self) -> None:
        try:
            self.reader.recv(4096)
        except OSError:
            pass

    def close(self) -> None:
        self.reader.close()
        self.writer.close()


def _wake(dul: DULServiceProvider) -> _Wake | None:
    """The DUL's wake-up line, made on first use; None once its reactor has ended."""
    wake: _Wake | None = dul.__dict__.get("_imgcloud_wake")
    if wake is None:
        with _lock:
            if dul.__dict__.get("_imgcloud_ended"):
                return None
            wake = dul.__dict__.setdefault("_imgcloud_wake", _Wake())
    return wake


def _end(dul: DULServiceProvider) -> None:
    with _lock:
        dul.__dict__["_imgcloud_ended"] = True
        wake = dul.__dict__.pop("_imgcloud_wake", None)
    if wake is not None:
        wake.close()


def activity(assoc: Any) -> threading.Event:
    """Set by the DUL after each state-machine action: the association thread's reason to look."""
    event: threading.Event | None = assoc.__dict__.get("_imgcloud_activity")
    if event is None:
        event = assoc.__dict__.setdefault("_imgcloud_activity", threading.Event())
    return event


_pynetdicom_send_pdu = DULServiceProvider.send_pdu


def send_pdu(self: DULServiceProvider, primitive: Any) -> None:
    """``DULServiceProvider.send_pdu``, then the reactor woken to send it."""
    _pynetdicom_send_pdu(self, primitive)
    if self.__dict__.get("_imgcloud_waiting"):  # only a waiting reactor needs the byte (a syscall)
        wake = _wake(self)
        if wake is not None:
            wake.poke()


def _wait(dul: DULServiceProvider, wake: _Wake) -> bool:
    """Wait until the peer sends, another thread hands the DUL a primitive, or ``IDLE_WAIT``
    passes; True when the association socket is readable."""
    sock = getattr(dul.socket, "socket", None)
    waits: list[Any] = [wake.reader]
    if sock is not None and sock.fileno() >= 0:
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return True  # decrypted bytes already buffered: select would not say so
        waits.append(sock)
    dul.__dict__["_imgcloud_waiting"] = True  # before looking at the queue: see ``send_pdu``
    try:
        if dul.to_provider_queue.queue:
            return False
        readable, _, _ = select.select(waits, [], [], IDLE_WAIT)
    except (OSError, ValueError):  # the socket closed under us: the loop finds out
        return False
    finally:
        dul.__dict__["_imgcloud_waiting"] = False
    if wake.reader in readable:
        wake.drain()
    return sock is not None and sock in readable


def run_dul_reactor(self: DULServiceProvider) -> None:
    """``DULServiceProvider.run_reactor`` with its idle 1 ms sleep replaced by ``_wait``.  When
    the socket stays readable with nothing to do (a closing connection the state machine is not
    reading yet) it sleeps pynetdicom's ``_run_loop_delay`` instead of spinning."""
    self._idle_timer.start()
    wake = _wake(self)
    idle, readable = False, False
    try:
        while True:
            if not self.assoc._dul_ready.is_set():
                self.assoc._dul_ready.set()
                idle = True
            if idle:
                if readable or wake is None:
                    time.sleep(self._run_loop_delay)
                    readable = False
                else:
                    readable = _wait(self, wake)
            if self._kill_thread:
                break
            if self.artim_timer.expired:
                self.event_queue.put("Evt18")
            try:
                if self._process_recv_primitive():
                    pass
                elif self._is_transport_event():
                    self._idle_timer.restart()
            except Exception as exc:  # as pynetdicom: bypass the state machine, A-ABORT, end
                LOGGER.error("Exception in DUL.run(), aborting association")
                LOGGER.exception(exc)
                abort_pdu = A_ABORT_RQ()
                abort_pdu.source = 0x02
                abort_pdu.reason_diagnostic = 0x00
                cast(Any, self.socket).send(abort_pdu.encode())
                self.assoc.is_aborted = True
                self.assoc.is_established = False
                self.assoc._kill = True
                self._kill_thread = True
                return
            try:
                event = self.event_queue.get(block=False)
            except queue.Empty:
                idle = True
                continue
            self.state_machine.do_action(event)
            activity(self.assoc).set()
            idle, readable = False, False
    finally:
        _end(self)
        activity(self.assoc).set()


def run_assoc_reactor(self: Association) -> None:
    """``Association._run_reactor`` waiting on the DUL's ``activity`` instead of sleeping 1 ms
    before each look; it does not wait after serving a message (another may be queued).
    While it waits it is paused (``_is_paused``): it touches nothing, so a ``send_*`` from
    another thread may take over at once."""
    self._is_paused = False
    woken = activity(self)
    served = False
    while not self._kill:
        if not served:
            self._is_paused = True
            woken.wait(IDLE_WAIT)
            woken.clear()
        self._is_paused = True
        self._reactor_checkpoint.wait()
        self._is_paused = False
        if not self._reactor_checkpoint.is_set():
            # a send_* paused us after we passed the checkpoint and may have seen us paused:
            # leave the queue to it (pynetdicom's loop has this window too, but its 1 ms
            # sleep made it rare; woken by the very response a send_* waits for, ours would not)
            served = True
            continue
        context_id, msg = self.dimse.get_msg(block=False)
        served = msg is not None
        if msg:
            self._serve_request(msg, int(context_id))  # type: ignore[arg-type]
        if self.is_established and self.acse.is_release_requested():
            # released once the peer asks (the acceptor may only agree): EVT_RELEASED — the exchange
            # log's record of the association — before the A-RELEASE-RP leaves, so a peer holding its
            # RP finds the record, as an HTTP client finds its exchange's before the reply's last byte
            # (pynetdicom reports the release after sending the RP)
            self.is_released = True
            self.is_established = False
            evt.trigger(self, evt.EVT_RELEASED, {})
            self.acse.send_release(is_response=True)
            ASSOC_LOGGER.info("Association Released")
            self.kill()
            return
        if self.acse.is_aborted():
            log_msg = "Association Aborted"
            if self.acse.is_aborted("a-p-abort"):
                log_msg += " (A-P-ABORT)"
            ASSOC_LOGGER.info(log_msg)
            self.dul.receive_pdu(wait=False)  # EVT_ACSE_RECV fires for subscribers
            self.is_aborted = True
            self.is_established = False
            evt.trigger(self, evt.EVT_ABORTED, {})
            self.kill()
            return
        if not self.dul.is_alive():
            self.kill()
            return
        if self.dul.idle_timer_expired():
            ASSOC_LOGGER.error("Network timeout reached")
            if self.network_timeout_response == "A-RELEASE":
                self._is_paused = True
                self._reactor_checkpoint.wait()
                self.release()
                self._is_paused = False
            else:
                self.abort()
            self.kill()
            return


_pynetdicom_kill = Association.kill


def kill(self: Association) -> None:
    """``Association.kill``, the association thread woken to see it."""
    activity(self).set()
    _pynetdicom_kill(self)
    activity(self).set()


# -- a requestor's A-ASSOCIATE-RQ leaves once its user listens ---------------------------------
#: Longest a requestor's DUL holds its A-ASSOCIATE-RQ for the user thread to start listening (s).
LISTEN_WAIT = 5.0

_pynetdicom_connect = AssociationSocket.connect
_pynetdicom_receive_pdu = DULServiceProvider.receive_pdu


def listening(assoc: Any) -> threading.Event:
    """Set once the association's user thread waits for its first ACSE primitive."""
    event: threading.Event | None = assoc.__dict__.get("_imgcloud_listening")
    if event is None:
        event = assoc.__dict__.setdefault("_imgcloud_listening", threading.Event())
    return event


def receive_pdu(self: DULServiceProvider, wait: bool = False, timeout: float | None = None) -> Any:
    """``DULServiceProvider.receive_pdu``, noting first that the user is listening."""
    heard = listening(self.assoc)
    if not heard.is_set():
        heard.set()
    return _pynetdicom_receive_pdu(self, wait, timeout)


def connect(self: AssociationSocket, primitive: Any) -> None:
    """``AssociationSocket.connect`` (the requestor's DUL thread, state machine action AE-1), then,
    once connected, a wait for the user thread to listen before the DUL sends the A-ASSOCIATE-RQ.

    Why: pynetdicom's requestor (``ACSE._negotiate_as_requestor``) waits for the connection, then
    reads ``socket._is_connected`` to tell "could not connect" from "connected", then listens for
    the answer.  Its DUL sends the request as soon as it is connected; a peer that rejects at once
    (a wrong called AE title) answers A-ASSOCIATE-RJ and closes, and the DUL, handing the rejection
    to the user, closes the socket too — ``_is_connected`` is False again.  When the user thread
    had not yet looked (a busy machine: 1 in ~80 under the load test's concurrent associations),
    it took the rejection for a failed connection and aborted: the client reported "aborted"
    instead of the peer's reason.  Holding the request until the user listens costs one thread
    wake-up per association, which the answer needs anyway."""
    _pynetdicom_connect(self, primitive)
    if self._is_connected:
        listening(self.assoc).wait(LISTEN_WAIT)


def install() -> None:
    """Replace the six internals (called once, by ``patches.install``)."""
    DULServiceProvider.run_reactor = run_dul_reactor  # type: ignore[method-assign]
    DULServiceProvider.send_pdu = send_pdu  # type: ignore[method-assign]
    DULServiceProvider.receive_pdu = receive_pdu  # type: ignore[method-assign]
    AssociationSocket.connect = connect  # type: ignore[method-assign]
    Association._run_reactor = run_assoc_reactor  # type: ignore[method-assign]
    Association.kill = kill  # type: ignore[method-assign]
