"""An overall deadline for each step of an IMAP session (connecting and logging in, reading one
message, flagging it).

INBOX_TIMEOUT bounds each read, not their sum: a server that sends one byte every few seconds
would hold a fetcher for as long as it liked, and with it the mail behind it. A timer shuts the
connection down when a step outlives INBOX_DEADLINE; the read blocked in the fetcher then fails,
and the step ends with a TimeoutError that says why.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import socket
import threading
from collections.abc import Iterator


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer: threading.Timer | None = None
        self.expired = False

    def watch(self, sock: socket.socket) -> None:
        # A descriptor of its own for the same connection: TLS wraps the socket imaplib holds,
        # and shutting down any descriptor of a connection ends the connection itself.
        watched = socket.socket(sock.family, sock.type, fileno=os.dup(sock.fileno()))
        with self._lock:
            self._sockets.append(watched)
            if self.expired:
                _shut(watched)

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        timer = threading.Timer(self.seconds, self._expire)
        timer.daemon = True
        with self._lock:
            self.expired = False
            self._timer = timer
        timer.start()
        try:
            yield
        except BaseException as exc:
            if self.expired:  # the read failed because the timer shut the connection down
                raise TimeoutError(f"{what} took longer than {self.seconds:g} s") from exc
            raise
        finally:
            with self._lock:
                self._timer = None
            timer.cancel()
        if self.expired:
            raise TimeoutError(f"{what} took longer than {self.seconds:g} s")

    def _expire(self) -> None:
        with self._lock:
            if self._timer is not threading.current_thread():
                return  # the step ended while this timer was firing
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def close(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            sock.close()

    def imap_class(self, base: type[imaplib.IMAP4]) -> type[imaplib.IMAP4]:
        """``base`` whose connection this deadline watches from the first byte (the greeting)."""
        deadline = self

        class Watched(base):
            def _create_socket(self, timeout):
                sock = super()._create_socket(timeout)
                deadline.watch(sock)
                return sock

        return Watched


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
