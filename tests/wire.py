"""A TCP proxy in front of PostgreSQL that counts the round trips its clients make.

A round trip is what the client sends before it waits for the server: every time the client
sends after the server last spoke (or for the first time), a new one starts. That is what a
request pays in latency per trip, whatever the driver does with it (a pipelined BEGIN and query
are one trip, a BEGIN sent on its own is one more). Each trip also keeps what it carried, for
messages that explain a failed assertion: the message types of the frontend protocol, with the
text of simple queries ("Q") and of statements parsed ("P").
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass(eq=False)
class _Link:
    client: socket.socket
    server: socket.socket
    pending: bytearray = field(default_factory=bytearray)
    started: bool = False  # the untyped start-up message has gone by
    client_spoke_last: bool = False
    trip: list[str] | None = None  # the round trip the client is sending, while counted


class WireCounter:
    """Listens on 127.0.0.1 and forwards to `target`; counts round trips while `counting`."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ, None)
        self._lock = threading.Lock()
        self._trips: list[list[str]] = []
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="wire-counter", daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        port: int = self._listener.getsockname()[1]
        return port

    def url(self, database_url: str) -> str:
        """`database_url` pointed at the proxy, with neither SSL nor GSS negotiation."""
        url = sa.make_url(database_url)
        query = {**url.query, "sslmode": "disable", "gssencmode": "disable"}
        return url.set(host="127.0.0.1", port=self.port, query=query).render_as_string(
            hide_password=False
        )

    @contextmanager
    def counting(self) -> Iterator[list[list[str]]]:
        """The round trips made inside the block, each as the messages it carried."""
        trips: list[list[str]] = []
        with self._lock:
            self._trips = trips
        try:
            yield trips
        finally:
            with self._lock:
                self._trips = []

    def close(self) -> None:
        self._stopped = True
        self._thread.join(timeout=5)
        self._selector.close()
        self._listener.close()

    def _run(self) -> None:
        links: list[_Link] = []
        while not self._stopped:
            for key, _ in self._selector.select(timeout=0.1):
                if key.data is None:
                    links.append(self._accept())
                    continue
                link, from_client = key.data
                if link in links and not self._forward(link, from_client):
                    self._drop(link)
                    links.remove(link)
        for link in links:
            self._drop(link)

    def _accept(self) -> _Link:
        client, _ = self._listener.accept()
        server = socket.create_connection(self._target)
        link = _Link(client, server)
        self._selector.register(client, selectors.EVENT_READ, (link, True))
        self._selector.register(server, selectors.EVENT_READ, (link, False))
        return link

    def _forward(self, link: _Link, from_client: bool) -> bool:
        source, sink = (link.client, link.server) if from_client else (link.server, link.client)
        try:
            data = source.recv(65536)
            if not data:
                return False
            sink.sendall(data)
        except OSError:
            return False
        if from_client:
            self._note(link, data)
        link.client_spoke_last = from_client
        return True

    def _note(self, link: _Link, data: bytes) -> None:
        messages = self._messages(link, data)
        with self._lock:
            trip = link.trip
            if (
                trip is None
                or not link.client_spoke_last
                or not any(t is trip for t in self._trips)
            ):
                trip = link.trip = []
                self._trips.append(trip)
            trip.extend(messages)

    @staticmethod
    def _messages(link: _Link, data: bytes) -> list[str]:
        link.pending += data
        messages: list[str] = []
        while True:
            header = 4 if not link.started else 5
            if len(link.pending) < header:
                return messages
            if not link.started:
                (length,) = struct.unpack("!I", link.pending[:4])
                kind, body_at = "startup", 4
            else:
                kind = chr(link.pending[0])
                (length,) = struct.unpack("!I", link.pending[1:5])
                length, body_at = length + 1, 5
            if len(link.pending) < length:
                return messages
            body = bytes(link.pending[body_at:length])
            del link.pending[:length]
            link.started = True
            if kind == "Q":
                messages.append("Q " + body.rstrip(b"\0").decode(errors="replace"))
            elif kind == "P":
                text = body.split(b"\0")[1].decode(errors="replace")
                messages.append("P " + text)
            else:
                messages.append(kind)

    def _drop(self, link: _Link) -> None:
        for sock in (link.client, link.server):
            with suppress(KeyError, ValueError):
                self._selector.unregister(sock)
            sock.close()
