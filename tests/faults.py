"""Misbehaving servers on loopback for the outbox fault tests.

Real sockets, no mocks: an SMTP sink that is slow to accept each message, raw SMTP servers that
accept a connection and then drip one byte at a time or say nothing at all, and a TCP proxy in
front of a database that can be cut and restored to stage an outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections import Counter

from tests.conftest import SMTPSink, free_port


def _listen(port: int) -> socket.socket:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    return listener


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class SlowSMTPSink(SMTPSink):
    """A real aiosmtpd server that takes ``delay`` seconds to accept each message."""

    def __init__(self, delay: float, port: int | None = None) -> None:
        super().__init__(port)
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)

    def message_ids(self) -> Counter:
        return Counter(m["Message-ID"] for m in self.messages)


class _RawServer:
    """Accepts connections on 127.0.0.1 and hands each to ``serve`` in its own thread."""

    def __init__(self) -> None:
        self.port = free_port()
        self.connections = 0
        self.stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._clients: list[socket.socket] = []
        self._threads: list[threading.Thread] = []

    def start(self):
        self._listener = _listen(self.port)
        self._listener.settimeout(0.05)
        acceptor = threading.Thread(target=self._accept, daemon=True)
        acceptor.start()
        self._threads.append(acceptor)
        return self

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._clients.append(client)
            worker = threading.Thread(target=self._serve_quietly, args=(client,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve_quietly(self, client: socket.socket) -> None:
        # The sender hanging up on us is the point of these servers, not an error.
        with contextlib.suppress(OSError):
            self.serve(client)

    def serve(self, client: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self.stopping.set()
        for client in self._clients:
            _shut(client)
        if self._listener is not None:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class ClosingSMTPServer(_RawServer):
    """Accepts the TCP connection and hangs up at once, as a server in trouble does."""

    def serve(self, client: socket.socket) -> None:
        _shut(client)


class HangingSMTPServer(_RawServer):
    """Accepts the TCP connection and then never says a word (no 220 greeting)."""

    def serve(self, client: socket.socket) -> None:
        self.stopping.wait()


class DrippingSMTPServer(_RawServer):
    """Answers one byte every ``every`` seconds, either from the greeting on or only the reply to
    the message's end of data; a socket timeout longer than ``every`` never fires on it."""

    def __init__(self, every: float, at: str = "greeting") -> None:
        super().__init__()
        self.every = every
        self.at = at
        self.received: list[str] = []

    def _drip(self, client: socket.socket, reply: bytes) -> None:
        for byte in reply:
            if self.stopping.wait(self.every):
                return
            client.sendall(bytes([byte]))

    def serve(self, client: socket.socket) -> None:
        if self.at == "greeting":
            # Long enough that today's sender would sit here for 10+ seconds.
            self._drip(client, b"220 drip.example ESMTP patience is a virtue\r\n")
            return
        client.sendall(b"220 drip.example ESMTP\r\n")
        reader = client.makefile("rb")
        while not self.stopping.is_set():
            line = reader.readline()
            if not line:
                return
            command = line.split(b" ", 1)[0].strip().upper()
            if command in (b"EHLO", b"HELO"):
                client.sendall(b"250 drip.example\r\n")
            elif command == b"DATA":
                client.sendall(b"354 go ahead\r\n")
                lines = []
                while (line := reader.readline()) not in (b".\r\n", b""):
                    lines.append(line)
                self.received.append(b"".join(lines).decode("utf-8", "replace"))
                self._drip(client, b"250 2.0.0 queued, eventually, maybe, in a while\r\n")
            elif command == b"QUIT":
                client.sendall(b"221 bye\r\n")
                return
            else:
                client.sendall(b"250 ok\r\n")


class TCPProxy:
    """Forwards 127.0.0.1:<port> to a server; ``cut()`` stages an outage, ``restore()`` ends it.

    While cut, new connections are refused (nothing listens); connections already open are left
    alone, so the test decides how they die (for PostgreSQL: ``pg_terminate_backend``).
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._acceptor: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> TCPProxy:
        self._listener = _listen(self.port)
        self._acceptor = threading.Thread(target=self._accept, args=(self._listener,), daemon=True)
        self._acceptor.start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _shut(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        """Stop listening: the database is unreachable for anyone who connects now."""
        # shutdown() wakes the accept() blocked in the acceptor thread; close() alone does not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._acceptor.join(timeout=5)

    def restore(self) -> None:
        self.start()

    def stop(self) -> None:
        if self._listener is not None and self._listener.fileno() != -1:
            self.cut()
        with self._lock:
            for sock in self._sockets:
                _shut(sock)
            self._sockets.clear()


def wait_until(condition, timeout: float, every: float = 0.02) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass; returns whether it held."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())
