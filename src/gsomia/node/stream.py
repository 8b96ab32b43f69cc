"""The in-nation stream on NATS JetStream: a nation's sensors and trackers publish, its node
workers consume durably (ARCHITECTURE.md, "Real components"; the embedded default, without
NATS, is the node's own calls in one process).

Subjects and stream (one stream per nation, :class:`StreamSettings`)::

    stream   GSOMIA_<PARTY>                      file storage, limits retention
    subject  gsomia.<party>.detections           one radar scan: RadarPlots.to_dict() JSON
    subject  gsomia.<party>.tracks               one track report: MissileWarning.to_dict()

(``<party>`` in lower case.) The stream's name and the subjects' prefix can be set (a
second stream on a shared server, e.g. per test): a stream of its own needs subjects of its
own, since JetStream refuses two streams with overlapping subjects, so the prefix is
derived from the name when only the name is given: stream ``T_1`` has subjects
``t_1.<party>.detections`` and ``t_1.<party>.tracks``. An existing stream is used as it
is, never changed: one whose subjects are not the settings' is refused, naming both.
Each message carries a ``Nats-Msg-Id`` header, chosen by the publisher and stable
across its retries (e.g. ``<scenario>/<party>/<scan id>``): JetStream stores one message
per id within the stream's duplicate window (default here 120 s, the server's default of
2 minutes) and answers the retries ``duplicate`` (NATS docs, "JetStream model deep dive",
section "Message deduplication", https://docs.nats.io/using-nats/jetstream/model_deep_dive).

The consumer: one durable pull consumer per node (default name ``gsomia-<party>-node``),
shared by every worker process of the node, so the workers split the messages (each
message goes to one fetch at a time) and a restarted worker carries on from the consumer's
state on the server (NATS docs, "Consumers",
https://docs.nats.io/nats-concepts/jetstream/consumers: durable consumers, pull mode):

- ``ack_policy`` explicit: each message is acknowledged by itself, and only once the node
  has processed it durably (:class:`~gsomia.node.stream_ingest.NodeIngest`: the item
  stored and its releases queued in the outbox, in one committed transaction); the ack
  waits for the server's answer (``ack_sync``);
- ``ack_wait`` (default 30 s, the server's default): a message delivered and neither acked,
  nak'd nor terminated within it, e.g. because its worker was killed, is delivered again,
  to any worker;
- ``max_deliver`` (default 100): deliveries of one message at most. A message that cannot
  be read or is refused by the node is *terminated* (``AckTerm``) at once and audited
  (``stream.rejected``), never redelivered; a transient failure (the store down) is
  nak'd with a delay and the worker waits before fetching again, so 100 deliveries cover
  a long outage. A message that reaches ``max_deliver`` stays in the stream (its
  redeliveries show in ``gsomia stream info``).
- ``deliver_policy`` all, ``max_ack_pending`` 1000.

At least once from JetStream, exactly once into the node:
:class:`~gsomia.node.stream_ingest.NodeIngest` keeps each processed message id in the
table ``stream_messages`` of the node's store, written in the same transaction as the item
(unique per stream and id: a second worker handed the same message, after an ack was lost
or ``ack_wait`` ran out, finds the row, or fails on it and rolls back, and only acks). The
item's id is derived from the message id
(:func:`~gsomia.node.stream_ingest.stream_item_id`).

Order: JetStream delivers in stream order, but with several workers two updates of one
track may be processed, and so released, in either order; each release carries its
sequence number on the per-track outbox stream in the order it was processed.

nats-py is asyncio: :class:`StreamConsumer` runs its own event loop in a thread of its
own and hands each message to the (blocking) handler in a worker thread, so it works the
same beside uvicorn's loop (``gsomia serve --stream``) or alone (``gsomia stream work``).
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StorageType, StreamConfig

from gsomia.errors import InputError, LinkError

__all__ = [
    "DEFAULT_ACK_WAIT_S",
    "DEFAULT_DUPLICATE_WINDOW_S",
    "DEFAULT_MAX_DELIVER",
    "KINDS",
    "MSG_ID_HEADER",
    "Delivery",
    "Outcome",
    "PublishResult",
    "StreamConsumer",
    "StreamMessage",
    "StreamSettings",
    "publish_messages",
    "stream_info",
    "valid_msg_id",
]

#: What a nation's stream carries: ``detections`` (radar scans), ``tracks`` (track reports).
KINDS = ("detections", "tracks")
#: The server's default ack wait [s] (NATS docs, Consumers: AckWait).
DEFAULT_ACK_WAIT_S = 30.0
#: The server's default duplicate window [s] (NATS docs, Streams: Duplicate Window).
DEFAULT_DUPLICATE_WINDOW_S = 120.0
#: Deliveries of one message at most (module notes).
DEFAULT_MAX_DELIVER = 100
#: The header JetStream de-duplicates on.
MSG_ID_HEADER = "Nats-Msg-Id"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_TOKEN = re.compile(r"^[a-z0-9_-]{1,64}$")
_MSG_ID = re.compile(r"^[\x21-\x7e]{1,256}$")
_LOG = logging.getLogger(__name__)


def valid_msg_id(msg_id: object) -> bool:
    """True for a message id this stream takes: 1 to 256 printable ASCII characters, no
    space (a NATS header value)."""
    return isinstance(msg_id, str) and _MSG_ID.match(msg_id) is not None


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """Where a nation's stream is and how it is consumed (module notes).

    Attributes:
        url: the NATS server, ``nats://host:port`` (or ``tls://``).
        party: the nation's party code (names the stream and subjects).
        stream: the stream's name (default ``GSOMIA_<PARTY>``).
        durable: the durable consumer's name (default ``gsomia-<party>-node``).
        prefix: the first subject token (default ``gsomia`` for the default stream, else
            the stream's name in lower case: module notes).
        ack_wait_s [s], max_deliver, duplicate_window_s [s]: as in the module notes.
        batch: messages per fetch; connect_timeout_s [s]: the longest wait to connect.

    Raises:
        InputError: names the field and value (a URL of another scheme, a name with
            characters JetStream does not allow, a number not positive).
    """

    url: str
    party: str
    stream: str = ""
    durable: str = ""
    prefix: str = ""
    ack_wait_s: float = DEFAULT_ACK_WAIT_S
    max_deliver: int = DEFAULT_MAX_DELIVER
    duplicate_window_s: float = DEFAULT_DUPLICATE_WINDOW_S
    batch: int = 32
    connect_timeout_s: float = 3.0

    def __post_init__(self) -> None:
        if not isinstance(self.url, str) or not re.match(r"^(nats|tls)://[^\s/]+$", self.url):
            raise InputError("stream.url", self.url, "expected nats://host:port")
        if not isinstance(self.party, str) or not re.match(r"^[A-Z]{3}$", self.party):
            raise InputError("stream.party", self.party, "expected a party code (3 letters)")
        default = f"GSOMIA_{self.party}"
        if not self.prefix:
            derived = "gsomia" if self.stream in ("", default) else str(self.stream).lower()
            object.__setattr__(self, "prefix", derived)
        if not self.stream:
            object.__setattr__(self, "stream", default)
        if not self.durable:
            object.__setattr__(self, "durable", f"gsomia-{self.party.lower()}-node")
        for name in ("stream", "durable"):
            if not _NAME.match(getattr(self, name)):
                raise InputError(f"stream.{name}", getattr(self, name),
                                 "expected 1 to 64 of A-Z a-z 0-9 _ -")
        if not _TOKEN.match(self.prefix):
            raise InputError("stream.prefix", self.prefix, "expected 1 to 64 of a-z 0-9 _ -")
        for name in ("ack_wait_s", "duplicate_window_s", "connect_timeout_s"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e6:
                raise InputError(f"stream.{name}", value, "expected a number of seconds > 0")
        for name in ("max_deliver", "batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 10_000:
                raise InputError(f"stream.{name}", value, "expected an integer in 1..10000")

    def subject(self, kind: str) -> str:
        """The subject of ``kind`` (:data:`KINDS`), ``<prefix>.<party>.<kind>``.

        Raises:
            InputError: an unknown kind.
        """
        if kind not in KINDS:
            raise InputError("kind", kind, f"expected one of {', '.join(KINDS)}")
        return f"{self.prefix}.{self.party.lower()}.{kind}"

    @property
    def subjects(self) -> list[str]:
        """Every subject of the stream."""
        return [self.subject(k) for k in KINDS]

    def kind_of(self, subject: str) -> str | None:
        """The kind a subject carries, or None for a subject not of this stream."""
        for kind in KINDS:
            if subject == self.subject(kind):
                return kind
        return None


@dataclass(frozen=True, slots=True)
class StreamMessage:
    """One message to publish: ``kind`` (:data:`KINDS`), ``msg_id`` (the ``Nats-Msg-Id``:
    1 to 256 printable ASCII characters, no space) and ``payload`` (a JSON object).

    Raises:
        InputError: names the field and value.
    """

    kind: str
    msg_id: str
    payload: Mapping[str, Any]

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError("kind", self.kind, f"expected one of {', '.join(KINDS)}")
        if not valid_msg_id(self.msg_id):
            raise InputError("msg_id", self.msg_id,
                             "expected 1 to 256 printable ASCII characters without spaces")


@dataclass(frozen=True, slots=True)
class Delivery:
    """One delivered message as a handler sees it.

    Attributes:
        stream, subject, kind (None: a subject of no known kind), msg_id (None: no
        ``Nats-Msg-Id`` header), data (the raw bytes), stream_seq, num_delivered (1 the
        first time).
    """

    stream: str
    subject: str
    kind: str | None
    msg_id: str | None
    data: bytes
    stream_seq: int
    num_delivered: int


class Outcome(enum.Enum):
    """What a handler did with a delivery, and so what the consumer answers."""

    #: processed and committed: ack
    PROCESSED = "processed"
    #: processed before (same message id): ack
    DUPLICATE = "duplicate"
    #: can never be processed (malformed, refused; audited): term, no redelivery
    REJECTED = "rejected"
    #: failed for now (the store down): nak with a delay, redelivered later
    RETRY = "retry"


Handler = Callable[[Delivery], Outcome]


async def _connect(settings: StreamSettings) -> Any:
    """A connection to the server (reconnecting for ever once made).

    Raises:
        LinkError: not connected within ``connect_timeout_s`` (names the URL).
    """
    errors: list[str] = []

    async def quiet(exc: Exception) -> None:  # nats-py reports every failed attempt here
        errors.append(str(exc) or type(exc).__name__)

    try:
        return await asyncio.wait_for(
            nats.connect(settings.url, connect_timeout=settings.connect_timeout_s,
                         max_reconnect_attempts=-1, reconnect_time_wait=0.5,
                         error_cb=quiet),
            timeout=settings.connect_timeout_s)
    except (TimeoutError, OSError, nats.errors.Error) as exc:
        why = errors[-1] if errors else (str(exc) or type(exc).__name__)
        raise LinkError(settings.url, f"NATS server not reachable within "
                        f"{settings.connect_timeout_s:g} s ({why})") from None


async def _ensure_stream(js: Any, settings: StreamSettings) -> None:
    """Create the stream when missing; an existing one is used as it is, never changed.

    Raises:
        InputError: the stream exists with subjects other than the settings' (names
            both; nothing is changed).
        LinkError: JetStream refused (not enabled; the subjects overlap another stream's:
            the message says to choose a prefix of its own).
    """
    try:
        try:
            info = await js.stream_info(settings.stream)
        except nats.js.errors.NotFoundError:
            await js.add_stream(StreamConfig(
                name=settings.stream, subjects=settings.subjects, storage=StorageType.FILE,
                duplicate_window=settings.duplicate_window_s))
            return
    except nats.js.errors.ServiceUnavailableError:
        raise LinkError(settings.url, "JetStream is not enabled on this server") from None
    except nats.js.errors.APIError as exc:
        hint = (": give this stream subjects of its own (another --prefix)"
                if "overlap" in str(exc.description) else "")
        raise LinkError(settings.url, f"stream {settings.stream} with subjects "
                        f"{', '.join(settings.subjects)}: {exc.description}{hint}") from None
    have = sorted(info.config.subjects or ())
    if sorted(settings.subjects) != have:
        raise InputError("stream", settings.stream,
                         f"exists on {settings.url} with subjects {', '.join(have) or 'none'}, "
                         f"not {', '.join(settings.subjects)}; it is not changed: use its "
                         "prefix, or another stream name")


async def _ensure_consumer(js: Any, settings: StreamSettings) -> None:
    """Create the durable consumer unless it exists (an existing one is kept as it is)."""
    try:
        await js.consumer_info(settings.stream, settings.durable)
        return
    except nats.js.errors.NotFoundError:
        pass
    try:
        await js.add_consumer(settings.stream, ConsumerConfig(
            durable_name=settings.durable, ack_policy=AckPolicy.EXPLICIT,
            ack_wait=settings.ack_wait_s, max_deliver=settings.max_deliver,
            deliver_policy=DeliverPolicy.ALL, max_ack_pending=1000,
            filter_subjects=settings.subjects))
    except nats.js.errors.APIError as exc:
        raise LinkError(settings.url, f"consumer {settings.durable}: {exc.description}") from None


@dataclass(slots=True)
class PublishResult:
    """What :func:`publish_messages` did: ``stored`` new messages, ``duplicates`` (the
    server already had their id within the duplicate window)."""

    stored: int = 0
    duplicates: int = 0


def publish_messages(settings: StreamSettings, messages: Iterable[StreamMessage], *,
                     progress: Callable[[int], None] | None = None) -> PublishResult:
    """Publish ``messages`` to the nation's stream (created when missing), each with its
    ``Nats-Msg-Id``, waiting for JetStream's acknowledgement of each (blocking; runs its
    own event loop). ``progress`` is called with the count done after each message.

    Raises:
        LinkError: the server is not reachable, or JetStream refused (names the URL).
    """
    msgs = list(messages)

    async def run() -> PublishResult:
        nc = await _connect(settings)
        out = PublishResult()
        try:
            js = nc.jetstream()
            await _ensure_stream(js, settings)
            for n, m in enumerate(msgs, 1):
                data = json.dumps(m.payload, allow_nan=False, separators=(",", ":")).encode()
                try:
                    ack = await js.publish(settings.subject(m.kind), data,
                                           headers={MSG_ID_HEADER: m.msg_id},
                                           stream=settings.stream, timeout=5.0)
                except (nats.errors.Error, nats.js.errors.Error) as exc:
                    raise LinkError(settings.url, f"publish {m.msg_id}: "
                                    f"{str(exc) or type(exc).__name__}") from None
                out.duplicates += bool(ack.duplicate)
                out.stored += not ack.duplicate
                if progress is not None:
                    progress(n)
        finally:
            await nc.close()
        return out

    return asyncio.run(run())


def stream_info(settings: StreamSettings) -> dict[str, Any]:
    """The stream's and the durable consumer's state (JSON-ready): messages, first and last
    sequence; the consumer's ``pending`` (not yet delivered), ``ack_pending`` (delivered,
    not acked), ``redelivered_pending`` (of those, the ones delivered more than once: the
    server's ``num_redelivered``, a count of messages pending now, not of redeliveries
    made: 0 again once they are acked or terminated), ``ack_floor_seq``, and its config
    (``ack_wait_s``, ``max_deliver``); ``consumer`` None when it does not exist yet.
    (NATS docs, "Consumer details" / ``$JS.API.CONSUMER.INFO``: ``num_redelivered``.)

    Raises:
        LinkError: the server is not reachable, or the stream does not exist.
    """

    async def run() -> dict[str, Any]:
        nc = await _connect(settings)
        try:
            js = nc.jetstream()
            try:
                s = await js.stream_info(settings.stream)
            except nats.js.errors.NotFoundError:
                raise LinkError(settings.url, f"no stream {settings.stream}") from None
            out: dict[str, Any] = {
                "url": settings.url, "stream": settings.stream,
                "subjects": list(s.config.subjects or ()),
                "messages": s.state.messages, "first_seq": s.state.first_seq,
                "last_seq": s.state.last_seq,
                "duplicate_window_s": s.config.duplicate_window, "consumer": None}
            try:
                c = await js.consumer_info(settings.stream, settings.durable)
            except nats.js.errors.NotFoundError:
                return out
            out["consumer"] = {
                "name": c.name, "pending": c.num_pending, "ack_pending": c.num_ack_pending,
                "redelivered_pending": c.num_redelivered, "waiting": c.num_waiting,
                "delivered_seq": c.delivered.stream_seq if c.delivered else 0,
                "ack_floor_seq": c.ack_floor.stream_seq if c.ack_floor else 0,
                "ack_policy": str(getattr(c.config.ack_policy, "value", c.config.ack_policy)),
                "ack_wait_s": c.config.ack_wait, "max_deliver": c.config.max_deliver}
            return out
        finally:
            await nc.close()

    return asyncio.run(run())


@dataclass(slots=True)
class _Counts:
    processed: int = 0
    duplicate: int = 0
    rejected: int = 0
    retry: int = 0


class StreamConsumer:
    """Fetch the nation's stream through its durable consumer and hand each message to
    ``handler`` (module notes), in a thread with its own event loop.

    :meth:`start` connects, creates the stream and consumer when missing, and returns
    once fetching; :meth:`stop` stops fetching, nak's what was fetched but not handled
    (redelivered at once to another worker) and closes the connection.

    Parameters:
        settings: the stream; handler: ``handler(delivery) -> Outcome``, blocking, called
            from one worker thread at a time
            (:class:`~gsomia.node.stream_ingest.NodeIngest` for a node).
        retry_delay_s: nak delay and pause before the next fetch after a RETRY [s].

    Attributes:
        counts: outcomes so far (``processed``, ``duplicate``, ``rejected``, ``retry``).

    While it runs, a lost connection is re-made by nats-py (for ever, every 0.5 s) and
    fetching resumes on the same durable consumer; :attr:`running` tells whether the
    consumer thread is still fetching.
    """

    def __init__(self, settings: StreamSettings, handler: Handler, *,
                 retry_delay_s: float = 1.0) -> None:
        self.settings = settings
        self.handler = handler
        self.retry_delay_s = retry_delay_s
        self.counts = _Counts()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._nc: Any = None

    def start(self) -> StreamConsumer:
        """Connect and start fetching; return once fetching.

        Raises:
            LinkError: the server is not reachable or JetStream refused (names the URL).
        """
        self._thread = threading.Thread(target=self._run, name="gsomia-stream", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error
        return self

    @property
    def running(self) -> bool:
        """True from :meth:`start` until :meth:`stop` (or a failure that ended the
        thread, logged)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop fetching and close the connection (idempotent)."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop closed meanwhile
                pass
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start(), or logged once running
            if not self._ready.is_set():
                self._error = exc
            else:
                _LOG.exception("stream consumer stopped")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        s = self.settings
        nc = self._nc = await _connect(s)
        try:
            js = nc.jetstream()
            await _ensure_stream(js, s)
            await _ensure_consumer(js, s)
            sub = await js.pull_subscribe_bind(s.durable, s.stream)
            self._ready.set()
            while not self._stop.is_set():
                try:
                    msgs = await sub.fetch(s.batch, timeout=1.0)
                except (nats.errors.TimeoutError, TimeoutError):
                    continue
                except (nats.errors.Error, nats.js.errors.Error) as exc:
                    _LOG.warning("stream %s: fetch failed: %s", s.url, exc)
                    await asyncio.sleep(self.retry_delay_s)
                    continue
                await self._handle_all(msgs)
        finally:
            try:  # the naks of what was fetched and not handled go out before closing
                await nc.flush(timeout=2)
            except (nats.errors.Error, TimeoutError):
                pass
            await nc.close()

    async def _handle_all(self, msgs: list[Any]) -> None:
        pause = False
        stop = self._stop
        for msg in msgs:
            if (stop is not None and stop.is_set()) or pause:
                await msg.nak()
                continue
            delivery = _delivery(self.settings, msg)
            try:
                outcome = await asyncio.to_thread(self.handler, delivery)
            except Exception:  # a bug in the handler: retried later, never lost
                _LOG.exception("stream %s: handler failed on seq %s", self.settings.stream,
                               delivery.stream_seq)
                outcome = Outcome.RETRY
            await self._answer(msg, outcome)
            pause = outcome is Outcome.RETRY
        if pause:
            await asyncio.sleep(self.retry_delay_s)

    async def _answer(self, msg: Any, outcome: Outcome) -> None:
        setattr(self.counts, outcome.value, getattr(self.counts, outcome.value) + 1)
        try:
            if outcome in (Outcome.PROCESSED, Outcome.DUPLICATE):
                await msg.ack_sync(timeout=5.0)
            elif outcome is Outcome.REJECTED:
                await msg.term()  # then a round trip: the server has the term before
                await self._nc.flush(timeout=5)  # anything else (never redelivered)
            else:
                await msg.nak(delay=self.retry_delay_s)
        except (nats.errors.Error, TimeoutError) as exc:
            # the answer is lost: the message comes back after ack_wait, and the handler
            # finds it processed (idempotent by message id)
            _LOG.warning("stream %s: answer %s lost: %s", self.settings.stream,
                         outcome.value, exc)


def _delivery(settings: StreamSettings, msg: Any) -> Delivery:
    md = msg.metadata
    msg_id = (msg.headers or {}).get(MSG_ID_HEADER)
    return Delivery(settings.stream, msg.subject, settings.kind_of(msg.subject), msg_id,
                    bytes(msg.data), int(md.sequence.stream), int(md.num_delivered))
