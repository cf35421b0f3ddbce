"""One facade for using a MusicVAE: encode, decode, sample, interpolate, shift, clip in/clip out.

Everything is batched, runs on CUDA when present and on the CPU otherwise (or on the device you
name), and needs no compile step. Randomness is keyed: z for ``sample`` by (seed, item), decoding
noise by (seed, item, bar), so the same call always gives the same music and bar-by-bar decoding
of a hierarchical model equals decoding the whole window.
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
from segue.models.configs import MusicVAEConfig, get_config
from segue.models.errors import ModelError
from segue.models.musicvae import NO_TOKEN, MusicVAE
from segue.models.notes import NoteSequence
from segue.models.representation import join_windows, split_windows


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
    def _indices(self, indices) -> Tensor:
        t = torch.as_tensor(np.asarray(indices) if not isinstance(indices, Tensor) else indices)
        if t.dim() == 2:
            t = t[None]
        want = (self.config.max_seq_len, self.representation.n_heads)
        if t.dim() != 3 or tuple(t.shape[1:]) != want:
            raise ModelError(f"expected windows of shape (B, {want[0]}, {want[1]}), got {tuple(t.shape)}")
        return t.long().to(self.device)

    @torch.no_grad()
    def encode(self, windows) -> tuple[Tensor, Tensor]:
        """windows (B, T, heads) of class indices -> mu (B, Z), sigma (B, Z)."""
        return self.model.encode(self._indices(windows))

    def _z(self, z) -> Tensor:
        z = torch.as_tensor(z, dtype=torch.float32).to(self.device)
        z = z[None] if z.dim() == 1 else z
        if z.dim() != 2 or z.shape[1] != self.config.z_size:
            raise ModelError(f"expected z of shape (B, {self.config.z_size}), got {tuple(z.shape)}")
        return z

    def decode(self, z, temperature: float = 0.0, seed: int = 0, bar_offset: int = 0) -> Tensor:
        """z (B, Z) -> class indices (B, T, heads) on the CPU. Temperature 0 is argmax."""
        if temperature < 0:
            raise ModelError(f"temperature must be >= 0, got {temperature}")
        return self.model.decode(self._z(z), temperature, seed, bar_offset).cpu()

    def prior(self, n: int, seed: int = 0) -> Tensor:
        """n draws of z from N(0, I), keyed by (seed, item)."""
        zs = [torch.randn(self.config.z_size, generator=torch.Generator().manual_seed(
            (seed * 1_000_003 + i) & 0x7FFFFFFFFFFFFFFF)) for i in range(n)]
        return torch.stack(zs).to(self.device)

    def sample(self, n: int, temperature: float = 0.5, seed: int = 0) -> tuple[Tensor, Tensor]:
        """n samples from the prior: (z (n, Z), indices (n, T, heads))."""
        z = self.prior(n, seed)
        return z, self.decode(z, temperature, seed)

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

        z, tokens = self.sample(n, temperature, seed)
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
        return torch.full((batch, self.representation.n_heads), NO_TOKEN, dtype=torch.long,
                          device=self.device)

    def decode_segment(self, emb: Tensor, segment: int, start: Tensor, temperature: float = 0.0,
                       seed: int = 0, bar_offset: int = 0) -> Tensor:
        """One segment given the previous one's last tokens (``start_tokens`` for the first)."""
        if not 0 <= segment < emb.shape[1]:
            raise ModelError(f"segment {segment} out of range 0..{emb.shape[1] - 1}")
        return self.model.decode_bars(emb, start.to(self.device), segment, temperature, seed,
                                      bar_offset)

    # --- clips ----------------------------------------------------------------------------------
    def encode_clip(self, seq: NoteSequence, bars: int | None = None) -> EncodedClip:
        """A clip of any length up to the documented maximum -> one latent code per window.
        ``bars``: the clip's length in bars when it is longer than its last note (a clip's loop)."""
        result = self.representation.to_indices(seq, num_bars=bars)
        win = split_windows(result.indices, self.window_bars, self.representation.melodic_heads)
        mu, sigma = self.encode(win.windows)
        return EncodedClip(mu=mu, sigma=sigma, clip_bars=win.clip_bars, padded_bars=win.padded_bars,
                           qpm=seq.qpm, messages=list(result.messages) + list(win.messages))

    def decode_clip(self, z, temperature: float = 0.0, seed: int = 0, qpm: float = 120.0,
                    velocity: int = 80, bars: int | None = None) -> NoteSequence:
        """Latent codes, one per window (W, Z) -> one NoteSequence with the windows joined,
        cut back to ``bars`` bars when given."""
        tokens = self.decode(z, temperature, seed)
        return self.representation.from_indices(join_windows(tokens.numpy(), keep_bars=bars),
                                                 qpm=qpm, velocity=velocity)
