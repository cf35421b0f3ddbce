"""One facade for using a MusicVAE: encode, decode, sample, interpolate, shift, clip in/clip out.

Everything is batched, runs on CUDA when present and on the CPU otherwise (or on the device you
name), and needs no compile step. Randomness is keyed: z for ``sample`` by (seed, item), decoding
noise by (seed, item, bar), so the same call always gives the same music and bar-by-bar decoding
of a hierarchical model equals decoding the whole window.

Conditioned models (``config.controls``: chords, key, extra controls) take their controls per
window, ``(W, T, K)``: ``controls(windows, chords=..., key=...)`` builds them from a chord
progression given bar by bar (it loops when shorter than the clip), and the clip methods take
``chords`` and ``key`` directly. A chord model given no chords reads "no chord" throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from segue.models import latent
from segue.models.checkpoint import CheckpointMeta, load_checkpoint, save_checkpoint
from segue.models.chords import parse_progression
from segue.models.configs import MusicVAEConfig, get_config
from segue.models.controls import bars_of
from segue.models.errors import ModelError
from segue.models.musicvae import MusicVAE
from segue.models.notes import NoteSequence
from segue.models.representation import ClipWindows, join_windows, split_windows


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """None or "auto": CUDA when present, else the CPU. Otherwise the device named."""
    if device is None or str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was asked for, but this machine has no usable CUDA GPU")
    return dev


@dataclass
class EncodedClip:
    """A clip as latent codes: one row per bar-aligned model window."""

    mu: Tensor  # (W, Z)
    sigma: Tensor  # (W, Z)
    clip_bars: int  # the clip's own length
    padded_bars: int  # rest bars added to fill the last window
    qpm: float = 120.0
    messages: list[str] = field(default_factory=list)  # what was dropped, padded or changed


class LatentModel:
    def __init__(self, model: MusicVAE, attributes: dict[str, Tensor] | None = None,
                 meta: CheckpointMeta | None = None, device: str | torch.device | None = None):
        self.device = resolve_device(device)
        self.model = model.to(self.device).eval()
        self.attributes = {k: v.to(self.device) for k, v in (attributes or {}).items()}
        self.meta = meta or CheckpointMeta(config=model.config)

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, device: str | torch.device | None = None) -> LatentModel:
        dev = resolve_device(device)
        model, attributes, meta = load_checkpoint(path, dev)
        return cls(model, attributes, meta, dev)

    @classmethod
    def fresh(cls, config: str | MusicVAEConfig, seed: int = 0,
              device: str | torch.device | None = None) -> LatentModel:
        """A freshly initialised (untrained) model: for tests, demos and as a training start."""
        cfg = get_config(config) if isinstance(config, str) else config
        torch.manual_seed(seed)
        meta = CheckpointMeta(config=cfg, training={"untrained": True}, licence="untrained weights")
        return cls(MusicVAE(cfg), None, meta, device)

    def save(self, path: str | Path, training: dict[str, Any] | None = None,
             licence: str | None = None) -> Path:
        return save_checkpoint(path, self.model, attributes=self.attributes,
                               training=self.meta.training if training is None else training,
                               licence=self.meta.licence if licence is None else licence)

    # --- facts ----------------------------------------------------------------------------------
    @property
    def config(self) -> MusicVAEConfig:
        return self.model.config

    @property
    def representation(self):
        return self.model.representation

    @property
    def window_bars(self) -> int:
        return self.config.bars

    @cached_property
    def decoder_parameters(self) -> int:
        """Parameters of the decoder (its conductor included): what each decoding step reads."""
        return sum(p.numel() for p in self.model.decoder.parameters())

    @property
    def untrained(self) -> bool:
        return bool(self.meta.training.get("untrained"))

    def describe(self) -> str:
        c = self.config
        state = "untrained" if self.untrained else "trained"
        return (f"{c.name} ({self.representation.kind}, {c.bars} bars, z={c.z_size}, {state}) "
                f"on {self.device.type}; licence: {self.meta.licence}")

    # --- tensors in, tensors out ----------------------------------------------------------------
    @property
    def capabilities(self) -> tuple[str, ...]:
        """What the model can do beyond morphs and samples, for clients to offer or grey out:
        ``groove`` (groove a drum clip), ``drumify`` (a tapped rhythm becomes drums), ``velocity``
        and ``timing`` (its notes carry their own velocities and micro-timing), ``chords`` (takes
        a chord progression), ``key`` (takes a key: the scale_root knob), ``extra_controls`` (needs
        controls only the Python API can give)."""
        rep, spec = self.representation, self.model.controls
        out = []
        if rep.kind == "groove":
            out += ["drumify"] if rep.mode == "tap" else ["groove"]
            out += ["velocity", "timing"]
        elif rep.kind == "multitrack":
            out += ["velocity"]
        out += ["chords"] if spec.chords else []
        out += ["key"] if spec.key else []
        out += ["extra_controls"] if spec.extra else []
        return tuple(out)

    @property
    def conditioning(self) -> list[str]:
        """What the model is conditioned on, for people ([] for none)."""
        return self.model.controls.describe()

    def _indices(self, indices) -> Tensor:
        if not isinstance(indices, Tensor):
            indices = np.asarray(indices)
            if not indices.flags.writeable:  # windows memory-mapped from disk: torch wants its own copy
                indices = indices.copy()
        t = torch.as_tensor(indices)
        if t.dim() == 2:
            t = t[None]
        want = (self.config.max_seq_len, self.model.decoder.token_width)
        if t.dim() != 3 or tuple(t.shape[1:]) != want:
            raise ModelError(f"expected windows of shape (B, {want[0]}, {want[1]}), got {tuple(t.shape)}")
        return (t.float() if self.model.float_tokens else t.long()).to(self.device)

    def _controls(self, controls) -> Tensor | None:
        if controls is None:
            return None
        return torch.as_tensor(np.asarray(controls) if not isinstance(controls, Tensor) else controls,
                               dtype=torch.float32).to(self.device)

    def controls(self, windows: int, chords=None, key: int | None = None, extra=None,
                 first_bar: int = 0) -> Tensor | None:
        """The controls of ``windows`` consecutive windows from bar ``first_bar``: (W, T, K), or
        None for an unconditioned model. ``chords``: a progression as text (``"C G Am F"``, see
        ``segue.models.chords.parse_progression``) or as bars of symbols, looped over the bars;
        ``key`` 0..11; ``extra`` name -> array [T, depth] (the same for every window)."""
        spec = self.model.controls
        if not spec:
            return None
        bars = parse_progression(chords) if isinstance(chords, str) else chords
        rep, wb = self.representation, self.window_bars
        by_track = self.config.num_segments if getattr(rep, "segmented_by_track", False) else 0
        return torch.from_numpy(np.stack([
            spec.window(self.config.max_seq_len, chords=bars_of(bars, first_bar + w * wb, wb), key=key,
                        extra=extra, segments_by_track=by_track)
            for w in range(windows)])).to(self.device)

    @torch.no_grad()
    def encode(self, windows, controls=None) -> tuple[Tensor, Tensor]:
        """windows (B, T, heads) of class indices (groove: float features) and, for a conditioned
        model, controls (B, T, K) -> mu (B, Z), sigma (B, Z)."""
        return self.model.encode(self._indices(windows), self._controls(controls))

    def _z(self, z) -> Tensor:
        z = torch.as_tensor(z, dtype=torch.float32).to(self.device)
        z = z[None] if z.dim() == 1 else z
        if z.dim() != 2 or z.shape[1] != self.config.z_size:
            raise ModelError(f"expected z of shape (B, {self.config.z_size}), got {tuple(z.shape)}")
        return z

    def decode(self, z, temperature: float = 0.0, seed: int = 0, bar_offset: int = 0, controls=None) -> Tensor:
        """z (B, Z) -> class indices (B, T, heads) on the CPU (groove: float vectors). Temperature
        0 is argmax. A conditioned model takes controls (B, T, K)."""
        if temperature < 0:
            raise ModelError(f"temperature must be >= 0, got {temperature}")
        return self.model.decode(self._z(z), temperature, seed, bar_offset, self._controls(controls)).cpu()

    def prior(self, n: int, seed: int = 0) -> Tensor:
        """n draws of z from N(0, I), keyed by (seed, item)."""
        zs = [torch.randn(self.config.z_size, generator=torch.Generator().manual_seed(
            (seed * 1_000_003 + i) & 0x7FFFFFFFFFFFFFFF)) for i in range(n)]
        return torch.stack(zs).to(self.device)

    def sample(self, n: int, temperature: float = 0.5, seed: int = 0, controls=None) -> tuple[Tensor, Tensor]:
        """n samples from the prior: (z (n, Z), indices (n, T, heads))."""
        z = self.prior(n, seed)
        return z, self.decode(z, temperature, seed, controls=controls)

    @staticmethod
    def interpolate(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
        """Slerp from z0 to z1, endpoints included: (steps, *z0.shape)."""
        return latent.interpolate(z0, z1, steps)

    def shift(self, z: Tensor, name: str, amount: float) -> Tensor:
        """z + amount * the named attribute vector."""
        if name not in self.attributes:
            have = ", ".join(sorted(self.attributes)) or "none"
            raise ModelError(f"this model has no attribute vector {name!r} (it has: {have})")
        return latent.shift(z, self.attributes[name], amount)

    def fit_attributes_from_prior(self, n: int = 512, temperature: float = 0.0, seed: int = 0,
                                  names=None) -> dict[str, Tensor]:
        """Attribute vectors from the model's own samples: decode n prior draws, measure each
        attribute on the result, and take (mean z of the top quartile) - (mean z of the bottom
        quartile). Works for any model without data; vectors fitted on encoded training data
        (``segue.models.attributes.fit_attribute_vectors`` on posterior means) are better.
        Attributes that do not vary in the samples are left out. Returns what was added."""
        from segue.models.attributes import ATTRIBUTES, fit_attribute_vectors

        z, tokens = self.sample(n, temperature, seed, controls=self.controls(1, key=0))
        drums = self.representation.kind == "drums"
        found: dict[str, Tensor] = {}
        for name in names or ATTRIBUTES:
            try:
                found.update(fit_attribute_vectors(z, tokens[..., 0], [name], drums=drums))
            except ValueError:
                continue  # constant in these samples (or not defined for drums): no direction
        self.attributes.update(found)
        return found

    # --- bar by bar (hierarchical decoders; a flat decoder has one 'bar' per window) ------------
    @torch.no_grad()
    def conduct(self, z) -> Tensor:
        """Run the conductor once: segment embeddings (B, S, C)."""
        return self.model.decoder.conduct(self._z(z))

    def start_tokens(self, batch: int) -> Tensor:
        return self.model.start_tokens(batch, self.device)

    def decode_segment(self, emb: Tensor, segment: int, start: Tensor, temperature: float = 0.0,
                       seed: int = 0, bar_offset: int = 0, controls=None) -> Tensor:
        """One segment given the previous one's last tokens (``start_tokens`` for the first);
        ``controls`` are the whole window's (B, T, K)."""
        if not 0 <= segment < emb.shape[1]:
            raise ModelError(f"segment {segment} out of range 0..{emb.shape[1] - 1}")
        return self.model.decode_bars(emb, start.to(self.device), segment, temperature, seed,
                                      bar_offset, self._controls(controls))

    # --- clips ----------------------------------------------------------------------------------
    def clip_windows(self, seq: NoteSequence, bars: int | None = None) -> ClipWindows:
        """A clip cut into the model's windows (the representation's own windows when it has
        them: multitrack models' windows are events, not steps)."""
        rep = self.representation
        if hasattr(rep, "clip_windows"):
            return rep.clip_windows(seq, bars)
        result = rep.to_indices(seq, num_bars=bars)
        win = split_windows(result.indices, self.window_bars, rep.melodic_heads)
        win.messages[:0] = result.messages
        return win

    def windows_to_clip(self, tokens, qpm: float = 120.0, velocity: int = 80,
                        bars: int | None = None) -> NoteSequence:
        """Decoded windows (W, T, columns) -> one NoteSequence, cut back to ``bars`` bars when given."""
        rep = self.representation
        arr = tokens.numpy() if isinstance(tokens, Tensor) else np.asarray(tokens)
        if hasattr(rep, "windows_to_clip"):
            return rep.windows_to_clip(arr, qpm=qpm, velocity=velocity, bars=bars)
        return rep.from_indices(join_windows(arr, keep_bars=bars), qpm=qpm, velocity=velocity)

    def encode_clip(self, seq: NoteSequence, bars: int | None = None, chords=None, key: int | None = None,
                    extra=None) -> EncodedClip:
        """A clip of any length up to the documented maximum -> one latent code per window.
        ``bars``: the clip's length in bars when it is longer than its last note (a clip's loop);
        ``chords``, ``key``, ``extra``: a conditioned model's controls (see ``controls``)."""
        win = self.clip_windows(seq, bars)
        mu, sigma = self.encode(win.windows, self.controls(len(win.windows), chords, key, extra))
        return EncodedClip(mu=mu, sigma=sigma, clip_bars=win.clip_bars, padded_bars=win.padded_bars,
                           qpm=seq.qpm, messages=list(win.messages))

    def decode_clip(self, z, temperature: float = 0.0, seed: int = 0, qpm: float = 120.0,
                    velocity: int = 80, bars: int | None = None, chords=None, key: int | None = None,
                    extra=None) -> NoteSequence:
        """Latent codes, one per window (W, Z) -> one NoteSequence with the windows joined,
        cut back to ``bars`` bars when given; a conditioned model's controls as ``encode_clip``."""
        z = self._z(z)
        tokens = self.decode(z, temperature, seed, controls=self.controls(z.shape[0], chords, key, extra))
        return self.windows_to_clip(tokens, qpm=qpm, velocity=velocity, bars=bars)
