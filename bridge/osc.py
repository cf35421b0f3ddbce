"""OSC codecs: check requests against the address table, build replies, chunk note lists.

Parsing and building use python-osc (``OscPacket``, ``OscMessageBuilder``); this module adds what a
real-time engine needs on top: every request validated against ``segue.bridge.addresses`` with a
readable complaint, and note lists split into messages that fit a payload budget.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket, ParseError

from segue.bridge.addresses import BY_PATH, NOTE_FIELDS, PREFIX, RID, Address
from segue.models.errors import SegueError
from segue.models.notes import Note

log = logging.getLogger(__name__)

__all__ = ["AddressError", "Request", "parse_packet", "check", "message", "note_groups", "note_chunks", "flat_notes",
           "unflat_notes", "ParseError"]


class AddressError(SegueError):
    """A request the table does not allow: unknown address, wrong arguments."""

    def __init__(self, address: str, message: str, rid: int = -1):
        super().__init__(message)
        self.address = address
        self.rid = rid


@dataclass
class Request:
    address: str
    rid: int
    args: list  # the fixed arguments after rid
    notes: list[Note]  # the repeating note group, when the address has one


MAX_BUNDLE_DEPTH = 4  # bundles inside bundles, at most
MAX_MESSAGES = 512  # messages in one datagram, at most
_BUNDLE = b"#bundle\x00"
_KNOWN_TAGS = frozenset("ifsbhdrmtTFN[]")  # the type tags python-osc reads


def parse_packet(data: bytes) -> list[tuple[str, list]]:
    """The messages in a datagram (bundles flattened, timetags ignored: the engine schedules by
    its own clock). Raises ParseError for bytes that are not OSC.

    The structure is checked first, without recursion: bundles nested deeper than
    ``MAX_BUNDLE_DEPTH``, more than ``MAX_MESSAGES`` messages, elements of impossible sizes, and type
    tags python-osc does not know are refused at once, so that a hostile packet costs time in
    proportion to its size and never reaches python-osc's recursion or its per-tag log lines."""
    check_structure(data)
    packet = OscPacket(data)
    return [(m.message.address, list(m.message.params)) for m in packet.messages]


def check_structure(data: bytes) -> None:
    """ParseError when the datagram is not a well-formed message or bundle (see parse_packet)."""
    view = memoryview(data)
    stack = [(0, len(data), 0)]  # (start, end, depth) of an element
    messages = 0
    while stack:
        start, end, depth = stack.pop()
        if bytes(view[start : start + 8]) == _BUNDLE:
            if depth >= MAX_BUNDLE_DEPTH:
                raise ParseError(f"bundles nested more than {MAX_BUNDLE_DEPTH} deep")
            index = start + 16  # '#bundle' and the timetag
            if index > end:
                raise ParseError("a bundle too short for its timetag")
            while index < end:
                if index + 4 > end:
                    raise ParseError("a bundle element without its size")
                size = int.from_bytes(view[index : index + 4], "big", signed=True)
                index += 4
                if size <= 0 or size % 4 or index + size > end:
                    raise ParseError(f"a bundle element of impossible size {size}")
                stack.append((index, index + size, depth + 1))
                index += size
        elif start < end and view[start] == ord("/"):
            messages += 1
            if messages > MAX_MESSAGES:
                raise ParseError(f"more than {MAX_MESSAGES} messages in one datagram")
            _check_tags(view, start, end)
        else:
            raise ParseError("neither an OSC message (/...) nor a bundle (#bundle)")


def _check_tags(view: memoryview, start: int, end: int) -> None:
    chunk = bytes(view[start:end])
    nul = chunk.find(b"\x00")
    if nul < 0:
        raise ParseError("an address without its terminating zero")
    tags_at = _padded(nul)
    if tags_at >= len(chunk):
        return  # no type tags: a message without arguments
    tags_end = chunk.find(b"\x00", tags_at)
    tags = chunk[tags_at : tags_end if tags_end >= 0 else len(chunk)]
    if not tags.startswith(b","):
        raise ParseError("type tags must start with ','")
    unknown = set(tags[1:].decode("latin-1")) - _KNOWN_TAGS
    if unknown:
        raise ParseError(f"unsupported OSC type tag {sorted(unknown)[0]!r} ({len(tags) - 1} tags)")


def check(address: str, params: list) -> Request:
    """Validate one request against the table; AddressError says what is wrong."""
    if params:
        params = [RID.coerce(params[0]), *params[1:]]
    rid = params[0] if params and isinstance(params[0], int) and not isinstance(params[0], bool) else -1
    entry: Address | None = BY_PATH.get(address)
    if entry is None or entry.kind != "request":
        hint = " (addresses start with /segue/)" if not address.startswith(PREFIX + "/") else ""
        raise AddressError(address, f"unknown address {address!r}{hint}", rid)
    fixed, repeating = entry.fixed, entry.repeating
    required = [a for a in fixed if not a.optional]
    if len(params) < len(required) or (not repeating and len(params) > len(fixed)):
        want = " ".join(f"{a.name}:{a.type}" for a in fixed) + (" {note}*" if repeating else "")
        raise AddressError(address, f"{address} takes {want}; got {len(params)} arguments", rid)
    params = [arg.coerce(value) for arg, value in zip(fixed, params)] + params[len(fixed):]
    for arg, value in zip(fixed, params):
        problem = arg.check(value, address)
        if problem:
            raise AddressError(address, problem, rid)
    rest = params[len(fixed):] if repeating else []
    notes = _notes(address, rest, repeating, rid) if repeating else []
    return Request(address, rid, params[1 : len(fixed)], notes)


def _notes(address: str, values: list, group, rid: int) -> list[Note]:
    width = len(group)
    if len(values) % width:
        raise AddressError(address, f"notes come in groups of {width} ({' '.join(NOTE_FIELDS)}); "
                                    f"got {len(values)} values", rid)
    notes = []
    values = [group[k % width].coerce(v) for k, v in enumerate(values)]
    for k in range(0, len(values), width):
        for arg, value in zip(group, values[k : k + width]):
            problem = arg.check(value, address)
            if problem:
                raise AddressError(address, f"note {k // width}: {problem}", rid)
        pitch, start, duration, velocity = values[k : k + width]
        if duration <= 0:
            raise AddressError(address, f"note {k // width}: duration must be > 0, got {duration}", rid)
        notes.append(Note(int(pitch), float(start), float(duration), int(velocity)))
    return notes


def message(address: str, *args) -> bytes:
    """One OSC message as bytes (ints, floats, strings)."""
    b = OscMessageBuilder(address)
    for value in args:
        b.add_arg(value)
    return b.build().dgram


def _padded(n: int) -> int:
    return (n + 4) & ~3  # OSC strings: NUL-terminated, padded to 4 bytes


def note_groups(address: str, head: Sequence, notes: Sequence[Note], budget: int) -> list[Sequence[Note]]:
    """The notes cut into groups such that each message ``address *head seq {note}*`` stays within
    ``budget`` bytes; always at least one (possibly empty) group. The one splitter: the engine's
    pushes, the Python client's uploads and the device's ``noteGroups`` (messages.js) cut alike."""
    # sizes in UTF-8 bytes, not characters: a non-ASCII name is longer on the wire
    fixed = _padded(len(address.encode())) + sum(4 if not isinstance(h, str) else _padded(len(h.encode()))
                                                 for h in head) + 4
    # type tags: ',' + one per arg, padded; each note adds 4 tags and 16 bytes
    per_note = 16 + 4
    base = fixed + _padded(1 + len(head) + 1)
    per_chunk = max(1, (budget - base - 4) // per_note)
    return [notes[k : k + per_chunk] for k in range(0, max(len(notes), 1), per_chunk)]


def note_chunks(address: str, head: Sequence, notes: Sequence[Note], budget: int) -> Iterator[bytes]:
    """Messages ``address *head seq {pitch start duration velocity}*`` whose size stays within
    ``budget`` bytes; always at least one (possibly empty) chunk. ``seq`` counts from 0."""
    for seq, group in enumerate(note_groups(address, head, notes, budget)):
        yield message(address, *head, seq, *flat_notes(group))


def flat_notes(notes: Sequence[Note]) -> list:
    """pitch:i start:f duration:f velocity:i per note, as the note lists travel."""
    return [v for n in notes for v in (int(n.pitch), float(n.start), float(n.duration), int(n.velocity))]


def unflat_notes(flat: Sequence) -> list[Note]:
    return [Note(int(flat[k]), float(flat[k + 1]), float(flat[k + 2]), int(flat[k + 3]))
            for k in range(0, len(flat) - 3, 4)]


# --- hosts and logging -----------------------------------------------------------------------------
def plain_host(host: str) -> str:
    """An IPv4 peer of a dual-stack socket (``--host ::``) as its IPv4 address (``::ffff:1.2.3.4``
    -> ``1.2.3.4``), for the allow list and per-host limits; replies still go to the address as it came."""
    return host[7:] if host.startswith("::ffff:") and "." in host else host


class NotFromPythonOsc(logging.Filter):
    """python-osc logs through the root logger, one line per odd type tag or bundle element; the
    engine checks packets itself and logs at most once per 10 s per source (docs/engine.md)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pythonosc" not in record.pathname


def quiet_python_osc() -> None:
    """Keep python-osc's per-packet log lines out of the root logger (idempotent)."""
    root = logging.getLogger()
    if not any(isinstance(f, NotFromPythonOsc) for f in root.filters):
        root.addFilter(NotFromPythonOsc())
