"""`segue serve` (the resident engine, composed by ``segue.engine.serving.serve``) and `segue client`
(talk to a running engine over OSC): their options, and the flags turned into an ``EngineConfig``
and ``MidiSettings``."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import queue
import time
from pathlib import Path

from segue.bridge.addresses import DEFAULT_PORT
from segue.bridge.client import EngineClient
from segue.engine.api import EngineConfig
from segue.engine.serving import serve
from segue.models.errors import InputError
from segue.models.inference import LatentModel
from segue.models.loading import example_clips, shipped_model_path
from segue.models.midifile import read_midi, write_midi
from segue.models.notes import Note, NoteSequence, Track

# --- serve -----------------------------------------------------------------------------------------
STARTED_MARK = ".started"  # in the state folder: this engine has started once (said its ready line)


def add_serve(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--allow", action="append", default=[], metavar="HOST",
                   help="with a --host other than 127.0.0.1: a client host allowed to talk (repeatable)")
    p.add_argument("--models-dir", type=Path, default=Path.home() / ".segue" / "models",
                   help="NAME.safetensors files clients may choose with /segue/model/choose")
    p.add_argument("--state-dir", type=Path, default=Path.home() / ".segue" / "sessions",
                   help="where session state is saved (restored after a restart)")
    p.add_argument("--lookahead", type=int, default=2, help="bars generated ahead of the playhead")
    p.add_argument("--threads", type=int, default=0, metavar="N",
                   help="CPU threads per inference job (default: 1 for small models, every core for large)")
    p.add_argument("--untrained", action="store_true",
                   help="with no --model and no shipped model: serve an untrained model (its output is noise)")
    panel = p.add_argument_group("the panel (a local web page for every DAW, see docs/panel.md)")
    panel.add_argument("--panel-port", type=int, default=None, metavar="PORT",
                       help="the panel's HTTP port (default: the OSC port + 1; 0: any free port)")
    panel.add_argument("--no-panel", action="store_true", help="do not serve the panel")
    panel.add_argument("--open", action="store_true", help="open the panel in the default browser")
    midi = p.add_argument_group("MIDI (any DAW: follow its MIDI clock, see docs/midi.md)")
    midi.add_argument("--midi", action="store_true", help='open virtual MIDI ports "Segue In" and "Segue Out"')
    midi.add_argument("--midi-in", metavar="NAME", help="read clock, controls and notes from this existing port "
                      "(e.g. a loopMIDI port on Windows); matched case-insensitively by part of its name")
    midi.add_argument("--midi-out", metavar="NAME", help="play into this existing port instead of a virtual one")
    midi.add_argument("--midi-meter", default="4/4", metavar="N/D",
                      help="the song's meter (MIDI clock carries none); Segue plays 4/4 bars (default 4/4)")
    midi.add_argument("--clock-offset-ms", type=float, default=0.0, metavar="MS",
                      help="play this many ms later than the clock (negative: earlier, for output latency)")
    midi.add_argument("--midi-map", type=Path, metavar="FILE",
                      help="a JSON file changing the control-change/program-change map (docs/midi.md)")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def check(a) -> None:
    """Before any model loads: the port, and a model to serve (a build without its models refuses)."""
    if not 0 <= a.port <= 65535:
        raise InputError(f"--port must be a UDP port 0..65535 (0: any free one), got {a.port}")
    if not a.model and not a.config and shipped_model_path() is None and not a.untrained:
        raise InputError("no trained model: there is no models/ folder with default.safetensors beside this "
                         "program (a build without its models?). Give --model PATH, or --untrained to serve an "
                         "untrained model (its output is noise, not music)")


def config_from_args(a) -> EngineConfig:
    check(a)
    if not _loopback(a.host) and not a.allow:
        raise InputError(f"--host {a.host} opens the engine beyond this machine: name the client hosts "
                         "that may talk to it with --allow HOST (repeatable)")
    for host in a.allow:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise InputError(f"--allow takes IP addresses, got {host!r}") from None
    return EngineConfig(host=a.host, port=a.port, allow=tuple(a.allow), models_dir=a.models_dir,
                        state_dir=a.state_dir, device=None if a.device == "auto" else a.device,
                        lookahead_bars=a.lookahead, threads=a.threads or None)


def midi_from_args(a):
    """MidiSettings when any of --midi, --midi-in, --midi-out is given, else None."""
    if not (getattr(a, "midi", False) or getattr(a, "midi_in", None) or getattr(a, "midi_out", None)):
        return None
    from segue.bridge.clock import parse_meter
    from segue.engine.midi import MidiMap, MidiSettings

    try:
        meter = parse_meter(a.midi_meter)
    except ValueError as e:
        raise InputError(f"--midi-meter: {e}") from None
    if a.midi_map:
        MidiMap.load(a.midi_map)  # a bad map is an error before anything starts
    return MidiSettings(input=a.midi_in, output=a.midi_out, meter=meter, offset_ms=a.clock_offset_ms,
                        map_file=a.midi_map)


def panel_from_args(a):
    """PanelSettings, or None with --no-panel. The port: --panel-port, else the OSC port + 1 (0
    when the OSC port is 0: any free port)."""
    if getattr(a, "no_panel", False):
        return None
    from segue.engine.panel import PanelSettings

    port = a.panel_port if getattr(a, "panel_port", None) is not None else (a.port + 1 if a.port else 0)
    if not 0 <= port <= 65535:
        raise InputError(f"--panel-port must be a port number 0..65535, got {port}")
    return PanelSettings(port=port)


def run(args: argparse.Namespace, model: LatentModel) -> None:
    """`segue serve`: until SIGINT/SIGTERM."""
    config = config_from_args(args)
    midi = midi_from_args(args)
    panel = panel_from_args(args)
    def ready(line: str) -> None:
        print(line, flush=True)
        if line.startswith("segue engine ready") and args.state_dir:
            try:  # the standalone binary's first-run note is shown until one start succeeds
                (args.state_dir / STARTED_MARK).touch()
            except OSError:
                pass

    try:
        asyncio.run(serve(config, model, ready=ready, midi=midi, panel=panel, open_panel=bool(getattr(args, "open",
                                                                                                     False))))
    except (OSError, OverflowError) as e:
        raise InputError(f"cannot listen on {args.host}:{args.port}: {getattr(e, 'strerror', None) or e}") from None


# --- client ----------------------------------------------------------------------------------------

def add_client(p: argparse.ArgumentParser) -> None:
    p.add_argument("address", help="an OSC address like /segue/ping, or `demo`")
    p.add_argument("words", nargs="*", help="arguments after the request id (ints, floats or strings)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--wait", type=float, default=1.0, help="seconds to print replies for")
    p.add_argument("--bars", type=int, default=8, help="demo: bars to play while the morph turns 0 -> 1")
    p.add_argument("--tempo", type=float, default=120.0, help="demo: BPM")
    p.add_argument("--save", help="demo: write the bars received to this MIDI file")


def client(args: argparse.Namespace, model: None) -> None:
    if args.address == "demo":
        status = demo(args.port, args.bars, args.tempo, args.save)
    else:
        status = command(args.port, args.address, args.words, args.wait)
    if status:
        raise InputError("the engine answered with an error")


def coerce(text: str):
    """Command-line words to OSC values: ints, then floats, else strings."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def command(port: int, address: str, words: list[str], wait: float) -> int:
    client = EngineClient(port)
    try:
        client.hello()
        rid = client.send(address, *[coerce(w) for w in words])
        deadline = time.monotonic() + wait
        status = 0
        while time.monotonic() < deadline:
            try:
                addr, args = client.replies.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                continue
            print(addr, *args)
            if addr == "/segue/error" and args and args[0] == rid:
                status = 2
        for bar in client.latest_bars().values():
            print(f"/segue/bar {bar.bar} v{bar.version}: {len(bar.notes)} notes "
                  f"{[n.pitch for n in bar.notes]}")
        return status
    finally:
        client.close()


def demo(port: int, bars: int, tempo: float, save: str | None) -> int:
    """Upload the example clips to A and B, play, and turn the morph from 0 to 1 over ``bars`` bars."""
    client = EngineClient(port)
    try:
        hello = client.hello()
        print(f"connected: model {hello[3]} on {hello[4]}, licence {hello[5]}")
        for slot, path in zip("AB", example_clips()):
            seq = read_midi(path)
            notes = [n for t in seq.tracks for n in t.notes]
            client.upload(slot.lower(), notes, max(4.0, 4.0 * -(-seq.end // 4)))
            address, args = client.request("/segue/slot/encode", slot, slot.lower(), timeout=30)
            print(f"slot {slot} <- {path.name}: {args[1:] if address != '/segue/error' else args[2]}")
        client.request("/segue/transport/set", 1, float(tempo), 0.0, 4, 4)
        bar_seconds = 240.0 / tempo
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < bars * bar_seconds:
            morph = min(1.0, elapsed / (bars * bar_seconds))
            client.send("/segue/knob/set/morph", float(morph))
            time.sleep(bar_seconds / 4)
            while not client.bar_events.empty():
                bar = client.bar_events.get()
                print(f"bar {bar.bar:3d} v{bar.version:<3d} morph {bar.morph:.2f}: "
                      f"{' '.join(str(n.pitch) for n in bar.notes) or '(rest)'}")
        client.request("/segue/transport/set", 0, float(tempo), 0.0, 4, 4)
        if save:
            notes = [Note(n.pitch, n.start + 4.0 * b.bar, n.duration, n.velocity)
                     for b in client.latest_bars().values() for n in b.notes]
            write_midi(NoteSequence([Track(notes)], qpm=tempo), save)
            print(f"saved {save}")
        return 0
    finally:
        client.close()
