"""The engine's public face: its configuration, what it hands to adapters, and the API they call.

:class:`~segue.engine.core.Engine` implements :class:`EngineAPI`; an adapter (OSC, the MIDI
session, a web panel) gives it a :class:`Listener` per session and receives :class:`Bar` objects.
``tests``' fake engine implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from segue.bridge.addresses import ATTRIBUTE_KNOBS, CAPABILITIES, DEFAULT_PORT
from segue.models.notes import Note

if TYPE_CHECKING:
    from segue.engine.pipeline import Render
    from segue.engine.session import Clip, Session, Slot
    from segue.models.inference import LatentModel


@dataclass(frozen=True)
class EngineConfig:
    host: str = "127.0.0.1"  # the IP address the OSC adapter binds
    port: int = DEFAULT_PORT
    allow: tuple[str, ...] = ()  # source hosts allowed besides loopback (needed with a non-loopback host)
    models_dir: Path | None = None
    state_dir: Path | None = None
    device: str | None = None
    lookahead_bars: int = 2
    threads: int | None = None  # CPU threads per inference job; None: 1 for small models, all cores for large
    tick_seconds: float = 0.02
    session_idle_seconds: float = 3600.0
    save_every_seconds: float = 0.5


@dataclass(frozen=True)
class Bar:
    """One generated bar of a session, with the knob values it reflects."""

    bar: int  # index in the song (bar k covers beats 4k .. 4k+4)
    version: int  # higher replaces lower until the bar starts
    notes: list[Note]  # starts in beats from the bar's start
    morph: float
    temperature: float
    seed: int
    attributes: dict[str, float]
    xy: tuple[float, float] | None = None  # the XY pad's puck, while the session's pad is on


class Listener(Protocol):
    """What an adapter gives the core to hear from one session."""

    keep_open: bool  # True: the session stays open while this listener is attached (a MIDI session)

    def bar(self, session: Session, bar: Bar) -> None: ...

    def problem(self, session: Session, where: str, message: str) -> None:
        """Something the client did not ask for just now went wrong (a bar, a restore)."""

    def closed(self, session: Session) -> None:
        """The session was closed (idle): the adapter forgets it."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    kind: str  # the representation: melody, drums, trio
    window_bars: int
    z_size: int
    trained: bool
    device: str
    licence: str
    choice: str  # the session's choice, as named in model_names()
    capabilities: tuple[str, ...] = ()  # LatentModel.capabilities: groove, drumify, chords, key, velocity, timing ...
    weak_knobs: tuple[str, ...] = ()  # attribute knobs the model's calibration marks weak (``weak_knobs``)


def weak_knobs(training: object) -> tuple[str, ...]:
    """The attribute knobs a checkpoint's calibration marks weak: ``training["knobs"][name]["weak"]``
    is true (the knob moves its attribute only loosely on this model). No calibration, or one that
    is not a mapping of mappings, gives ``()``: nothing is claimed either way."""
    knobs = training.get("knobs") if isinstance(training, dict) else None
    if not isinstance(knobs, dict):
        return ()

    def weak(row) -> bool:  # a bool, or numpy's (a calibration fresh in memory, not yet through JSON)
        flag = row.get("weak") if isinstance(row, dict) else None
        return flag is True or (str(getattr(flag, "dtype", "")) == "bool" and bool(flag))

    return tuple(name for name, row in knobs.items() if isinstance(name, str) and weak(row))


def _model_is(info: ModelInfo) -> str:
    if info.kind == "groove":
        return "a GrooVAE tap model" if "drumify" in info.capabilities else "a GrooVAE humanize model"
    return f"a {info.kind} model"


def _as_chosen(info: ModelInfo) -> str:
    """The model as the session chose it, and its config when the two differ: ``default (cat-mel_2bar_small)``."""
    return info.name if info.choice == info.name else f"{info.choice} ({info.name})"


def unavailable(info: ModelInfo) -> dict[str, str]:
    """The actions (``bridge.addresses.ACTIONS``) this model cannot do, each with the reason a client
    shows beside it greyed out: the panel's state and OSC's /segue/model/unavailable, one wording."""
    caps, what, name = set(info.capabilities), _model_is(info), _as_chosen(info)
    out = {}
    if "groove" not in caps:
        out["groove"] = (f"Groove needs a GrooVAE humanize model (segue models pull groovae_2bar_humanize); "
                         f"{name} is {what}")
    if "drumify" not in caps:
        out["drumify"] = f"Drumify needs a GrooVAE tap model (segue models pull tap2drum_2bar); {name} is {what}"
    if "chords" not in caps:
        out["chords"] = (f"{name} takes no chords (a chord model does: mel_chords, multitrack_chords); "
                         "a progression already set is kept for one")
    if "extra_controls" in caps:
        for action in ("sample", "vary"):
            out[action] = f"{name} {CAPABILITIES['extra_controls']}"
    return out


def knobs_without_vector(info: ModelInfo, vectors) -> dict[str, str]:
    """The attribute knobs the model has no vector for (a GrooVAE model has none), each with the
    reason a client shows beside it greyed out: it would do nothing."""
    return {k: f"{info.choice} has no attribute vector for {k}: the knob does nothing on it"
            for k in ATTRIBUTE_KNOBS if k not in vectors}


class EngineAPI(Protocol):
    """The part of :class:`Engine` the adapters use: OSC, the MIDI session, the web panel (the
    tests' fake engine has what a MIDI session needs)."""

    def call(self, fn: Callable, *args) -> Future: ...
    def on_loop(self) -> bool: ...
    def attach(self, instance: str, listener: Listener) -> tuple[Session, bool]: ...
    def detach(self, instance: str, listener: Listener) -> None: ...
    def model_of(self, s: Session) -> LatentModel | None: ...
    def set_knob(self, s: Session, name: str, value) -> int: ...
    def set_transport(self, s: Session, playing: bool, tempo: float, beat: float, numerator: int = 4,
                      denominator: int = 4, at: float | None = None) -> None: ...
    def seek(self, s: Session, beat: float, at: float | None = None) -> None: ...
    def tick(self, now: float) -> None: ...
    def request_bar(self, s: Session, bar: int) -> None: ...
    def set_morph_slots(self, s: Session, a: str, b: str) -> None: ...
    def set_xy_slots(self, s: Session, a: str, b: str, c: str, d: str) -> None: ...
    def set_xy(self, s: Session, x: float, y: float) -> int: ...
    def clear_slot(self, s: Session, name: str) -> None: ...
    def open_sessions(self) -> list[str]: ...
    def put_clip(self, s: Session, name: str, clip: Clip) -> None: ...
    async def encode_into_slot(self, s: Session, slot: str, clip_name: str) -> Slot: ...
    async def sample_into_slot(self, s: Session, slot: str, bars: int, seed: int | None = None) -> Slot: ...
    async def vary_into_slot(self, s: Session, slot: str, source: str, amount: float,
                             seed: int | None = None) -> Slot: ...
    def session(self, instance: str) -> Session | None: ...
    def touch(self, s: Session) -> None: ...
    def model_info(self, s: Session) -> ModelInfo: ...
    def model_names(self) -> list[str]: ...
    def model_card(self, s: Session) -> str | None: ...
    async def choose_model(self, s: Session, name: str) -> None: ...
    async def set_chords(self, s: Session, progression: str) -> str: ...
    async def chords_from_clip(self, s: Session, clip_name: str) -> str: ...
    async def regroove_clip(self, s: Session, clip_name: str, amount: float, temperature: float = 0.0,
                            tap: bool = False) -> tuple[list[Note], float]: ...
    def render(self, s: Session, steps: int) -> Render: ...
    async def run(self, priority: float, fn: Callable, model: LatentModel, *args): ...
