"""A TCP proxy on 127.0.0.1 that can cut a link: the partner-unreachable fault of
``gsomia bench faults`` (:mod:`gsomia.web.bench_faults`).

:class:`BlockingProxy` listens on ``127.0.0.1`` (a port chosen at run time) and pipes every
connection, byte for byte, to an upstream ``(host, port)`` that may be changed while it
runs (a receiver restarted on another port). It never reads the bytes: TLS goes end to end
between the sender and the receiver (the sender still checks the receiver's certificate;
RFC 8446). :meth:`BlockingProxy.block` cuts every open connection and, until
:meth:`BlockingProxy.unblock`, closes each new one as soon as it is accepted, so a sender
sees what a partner unreachable over the network looks like: connections reset, no
answer (``httpx.ConnectError`` / ``RemoteProtocolError``), i.e. a failed delivery that it
retries later (at-least-once delivery, :mod:`gsomia.node.outbox`).

The event loop runs in a daemon thread; :meth:`BlockingProxy.stop` closes everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

__all__ = ["BlockingProxy"]

_CHUNK = 65536


class BlockingProxy:
    """A byte pipe ``127.0.0.1:port -> upstream`` that can refuse its clients.

    Parameters:
        upstream: ``(host, port)`` to connect each client to (a loopback address).

    Attributes:
        port: the port it listens on (after :meth:`start`).
        accepted: connections accepted so far; refused: of them, closed at once because
            the proxy was blocked (or the upstream refused the connection).
    """

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.accepted = 0
        self.refused = 0
        self._blocked = False
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="gsomia-fault-proxy")

    @property
    def blocked(self) -> bool:
        """Whether clients are being refused."""
        return self._blocked

    def start(self) -> BlockingProxy:
        """Listen (port chosen by the system) and serve in the background thread."""
        self._thread.start()
        self._server = self._call(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def set_upstream(self, upstream: tuple[str, int]) -> None:
        """Pipe new connections to ``upstream`` (open ones keep theirs)."""
        self.upstream = upstream

    def block(self) -> None:
        """Cut every open connection; refuse new ones until :meth:`unblock`."""
        self._blocked = True
        self._call(self._close_all())

    def unblock(self) -> None:
        """Pipe connections again."""
        self._blocked = False

    def stop(self) -> None:
        """Close the listening socket and every connection; end the thread."""
        if self._server is not None:
            self._server.close()
            self._call(self._close_all())
            self._server = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5.0)
        self._loop.close()

    def _call(self, coro):  # noqa: ANN001, ANN202 - a coroutine, its result
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=10.0)

    async def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()  # RST at once, as a cut link does
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._blocked:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            self.refused += 1
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        for w in (writer, up_writer):
            self._writers.discard(w)
            w.transport.abort()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError, RuntimeError):
            while not self._blocked:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()
