"""The MusicVAE network (Roberts et al., 2018), with Magenta's maths.

Every LSTM is stored as PyTorch's ``nn.LSTM`` (gate order i, f, g, o) so training and encoding use
the fused kernels. Magenta's LSTMBlockCell orders its gates i, j, f, o and adds 1.0 to the forget
gate at run time; ``lstm_from_tf`` / ``lstm_to_tf`` convert, folding that +1 into ``bias_ih``.

Decoding is autoregressive, one step at a time. ``CoreDecoder.sample`` runs its own LSTM step
over the same weights (never a one-step ``nn.LSTM`` call, which is several times slower on CPU),
looks the previous token's input weights up by index instead of multiplying a one-hot, and
computes z's share of the first layer's gates once per window.

Sampling uses the Gumbel-max trick with noise keyed by (seed, batch item, bar), so decoding bar by
bar draws exactly what decoding the whole window draws, at any temperature; temperature 0 is argmax.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segue.models.configs import STEPS_PER_BAR, MusicVAEConfig
from segue.models.controls import ControlSpec
from segue.models.errors import ModelError
from segue.models.heads import BitsHead, GrooveHead, NadeHead, add_lstm_stack, initial_state, lstm_step
from segue.models.representation import Representation, representation_from_dict

__all__ = ["NO_TOKEN", "CoreDecoder", "Decoder", "Encoder", "MusicVAE", "gumbel_noise", "lstm_from_tf",
           "lstm_step", "lstm_to_tf"]

NO_TOKEN = -1  # "no previous token": the first step of a sequence feeds zeros


# --- TF LSTMBlockCell <-> torch ------------------------------------------------------------------

def _tf_to_torch_gates(w: Tensor) -> Tensor:
    i, j, f, o = w.chunk(4, dim=0)
    return torch.cat([i, f, j, o], dim=0)


def _torch_to_tf_gates(w: Tensor) -> Tensor:
    i, f, g, o = w.chunk(4, dim=0)
    return torch.cat([i, g, f, o], dim=0)


def lstm_from_tf(kernel: Tensor, bias: Tensor, input_size: int, forget_bias: float = 1.0):
    """TF kernel [in+H, 4H] and bias [4H] (gates i, j, f, o) -> (weight_ih, weight_hh, bias_ih, bias_hh)."""
    w = _tf_to_torch_gates(kernel.T)  # (4H, in+H), torch gate order
    b = _tf_to_torch_gates(bias).clone()
    hidden = b.shape[0] // 4
    b[hidden : 2 * hidden] += forget_bias  # f block
    return w[:, :input_size].contiguous(), w[:, input_size:].contiguous(), b, torch.zeros_like(b)


def lstm_to_tf(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor, bias_hh: Tensor,
               forget_bias: float = 1.0) -> tuple[Tensor, Tensor]:
    """The inverse of ``lstm_from_tf``: (kernel [in+H, 4H], bias [4H]) in TF's layout."""
    b = (bias_ih + bias_hh).clone()
    hidden = b.shape[0] // 4
    b[hidden : 2 * hidden] -= forget_bias
    kernel = _torch_to_tf_gates(torch.cat([weight_ih, weight_hh], dim=1)).T.contiguous()
    return kernel, _torch_to_tf_gates(b)


# --- encoders -------------------------------------------------------------------------------------

class BidirectionalStack(nn.Module):
    """Stacked bidirectional LSTMs; layer l+1 reads concat(fw, bw) outputs of layer l."""

    def __init__(self, input_size: int, sizes: tuple[int, ...]):
        super().__init__()
        ins = [input_size] + [2 * s for s in sizes[:-1]]
        self.layers = nn.ModuleList(
            nn.LSTM(i, s, batch_first=True, bidirectional=True) for i, s in zip(ins, sizes)
        )
        self.output_size = 2 * sizes[-1]

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:  # (N, T, D) -> (N, 2H)
        """``lengths`` (N,): read only the first lengths[i] steps of each sequence."""
        h_n = None
        if lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        for layer in self.layers:
            x, (h_n, _) = layer(x)
        return torch.cat([h_n[0], h_n[1]], dim=-1)  # final fw h, final bw h (after t = 0)


class Encoder(nn.Module):
    """q(z|x): mu and a softplus sigma (a standard deviation, not a log-variance)."""

    def __init__(self, config: MusicVAEConfig, input_depth: int):
        super().__init__()
        self.hierarchical = config.encoder == "hierarchical"
        self.num_segments = config.num_segments
        if self.hierarchical:
            level0 = BidirectionalStack(input_depth, config.enc_rnn_size)
            level1 = BidirectionalStack(level0.output_size, config.enc_rnn_size)
            self.levels = nn.ModuleList([level0, level1])
            out = level1.output_size
        else:
            self.core = BidirectionalStack(input_depth, config.enc_rnn_size)
            out = self.core.output_size
        self.mu = nn.Linear(out, config.z_size)
        self.sigma = nn.Linear(out, config.z_size)
        for dense in (self.mu, self.sigma):  # magenta: N(0, 0.001) kernels
            nn.init.normal_(dense.weight, std=0.001)
            nn.init.zeros_(dense.bias)

    def forward(self, x: Tensor, segment_lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """(B, T, D) -> mu (B, Z), sigma (B, Z). ``segment_lengths`` (B, S): a hierarchical encoder
        reads only that many steps of each segment (multitrack models: up to each track's end)."""
        if self.hierarchical:
            b, t, d = x.shape
            s = self.num_segments
            lengths = None if segment_lengths is None else segment_lengths.reshape(b * s)
            seg = self.levels[0](x.reshape(b * s, t // s, d), lengths)  # (B*S, 2H)
            out = self.levels[1](seg.reshape(b, s, -1))  # (B, 2H)
        else:
            out = self.core(x)
        return self.mu(out), F.softplus(self.sigma(out))


# --- decoders -------------------------------------------------------------------------------------

_initial_state = initial_state


def gumbel_noise(seed: int, items: int, bars: range, steps_per_bar: int, depth: int) -> Tensor:
    """Gumbel(0, 1) noise keyed by (seed, item, bar): (items, len(bars) * steps_per_bar, depth)."""
    out = np.empty((items, len(bars) * steps_per_bar, depth), dtype=np.float32)
    for i in range(items):
        for k, bar in enumerate(bars):
            rng = np.random.default_rng([seed & 0xFFFFFFFF, i, bar])
            out[i, k * steps_per_bar : (k + 1) * steps_per_bar] = rng.gumbel(
                size=(steps_per_bar, depth)
            )
    return torch.from_numpy(out)


class CoreDecoder(nn.Module):
    """Magenta's categorical LSTM decoder for one output head, conditioned on a vector.

    The state starts at tanh(dense(cond)) and cond joins every step's input, next to the one-hot
    of the previous token (zeros at the first step).
    """

    token_width = 1

    def __init__(self, output_depth: int, cond_size: int, sizes: tuple[int, ...], control_size: int = 0):
        super().__init__()
        self.output_depth = output_depth
        self.noise_depth = output_depth
        self.cond_size, self.control_size = cond_size, control_size
        self.sizes = sizes
        add_lstm_stack(self, output_depth + cond_size + control_size, cond_size, sizes, output_depth)

    def choose_fn(self, temperature: float, noise: Tensor | None):
        """argmax(logits / T + noise) (Gumbel-max: sampling at temperature T), or argmax(logits)."""
        if temperature > 0 and noise is not None:
            scaled = noise * temperature  # argmax(l / T + g) = argmax(l + T * g) for T > 0
            return lambda t, logits: torch.argmax(logits + scaled[:, t], dim=-1)
        return lambda t, logits: torch.argmax(logits, dim=-1)

    @staticmethod
    def margin(logits: Tensor, token: Tensor) -> Tensor:
        top2 = logits.topk(2, dim=-1).values
        return top2[..., 0] - top2[..., 1]

    def forward(self, cond: Tensor, prev: Tensor, with_state: bool = False, controls: Tensor | None = None):
        """Teacher forcing. cond (N, C), prev tokens (N, L) with NO_TOKEN for none, controls
        (N, L, K) -> logits (N, L, V) (and, with ``with_state``, the final (hs, cs) per layer, to
        continue step by step)."""
        n, length = prev.shape
        onehot = F.one_hot((prev + 1).clamp(min=0), self.output_depth + 1)[..., 1:].to(cond.dtype)
        parts = [onehot, cond[:, None, :].expand(n, length, cond.shape[-1])]
        if controls is not None:
            parts.append(controls[:, :length].to(cond.dtype))
        x = torch.cat(parts, dim=-1)
        hs, cs = _initial_state(self.z_to_initial_state, cond, self.sizes)
        for k, layer in enumerate(self.layers):
            x, (h, c) = layer(x, (hs[k][None].contiguous(), cs[k][None].contiguous()))
            hs[k], cs[k] = h[0], c[0]
        logits = self.output_projection(x)
        return (logits, (hs, cs)) if with_state else logits

    def steps(self, cond: Tensor, first: Tensor, count: int, choose, state=None,
              keep_logits: bool = False, controls: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """Run ``count`` steps one at a time. ``first`` (N,) is the first step's input token
        (NO_TOKEN: zeros); ``choose(t, logits)`` gives the token after step t (the next input).
        ``state`` continues from (hs, cs) instead of tanh(dense(cond)); ``controls`` (N, count, K)
        joins each step's input. Returns the chosen tokens (N, count) and, with ``keep_logits``,
        the logits (N, count, V)."""
        first_layer = self.layers[0]
        w_ih0, w_hh0 = first_layer.weight_ih_l0, first_layer.weight_hh_l0
        b0 = first_layer.bias_ih_l0 + first_layer.bias_hh_l0
        v = self.output_depth
        # the token's share of layer 0's gates, by lookup; row v (for NO_TOKEN) is zero
        token_rows = torch.cat([w_ih0[:, :v].t(), w_ih0.new_zeros(1, w_ih0.shape[0])])  # (V+1, 4H)
        c = self.cond_size
        cond_gates = F.linear(cond, w_ih0[:, v : v + c], b0)  # (N, 4H), the same at every step
        ctrl_gates = F.linear(controls.to(cond.dtype), w_ih0[:, v + c :]) if controls is not None else None
        hs, cs = state if state is not None else _initial_state(self.z_to_initial_state, cond, self.sizes)
        hs, cs = list(hs), list(cs)
        proj_w, proj_b = self.output_projection.weight, self.output_projection.bias
        prev = torch.where(first < 0, v, first)
        tokens, all_logits = [], []
        layers = self.layers
        for t in range(count):
            x = cond_gates + token_rows[prev]
            if ctrl_gates is not None:
                x = x + ctrl_gates[:, t]
            hs[0], cs[0] = lstm_step(x, hs[0], cs[0], w_hh0)
            for k in range(1, len(layers)):  # the fused ATen cell: one call per layer
                layer = layers[k]
                hs[k], cs[k] = torch.lstm_cell(hs[k - 1], (hs[k], cs[k]), layer.weight_ih_l0,
                                               layer.weight_hh_l0, layer.bias_ih_l0, layer.bias_hh_l0)
            logits = F.linear(hs[-1], proj_w, proj_b)  # (N, V)
            if keep_logits:
                all_logits.append(logits)
            prev = choose(t, logits)
            tokens.append(prev)
        return torch.stack(tokens, dim=1), torch.stack(all_logits, dim=1) if keep_logits else None

    def sample(self, cond: Tensor, start: Tensor, steps: int, temperature: float,
               noise: Tensor | None = None, controls: Tensor | None = None) -> Tensor:
        """Autoregressive decode of ``steps`` tokens from cond (N, C) and start tokens (N,):
        argmax(logits / T + noise) (Gumbel-max: sampling at temperature T), or argmax(logits)
        when temperature is 0 or there is no noise."""
        return self.steps(cond, start, steps, self.choose_fn(temperature, noise), controls=controls)[0]

    def scheduled(self, cond: Tensor, prev: Tensor, use_sample: Tensor,
                  generator: torch.Generator | None) -> Tensor:
        """Scheduled sampling. prev (N, L) are the teacher-forced inputs; where ``use_sample``
        (N, L) is True the input at that step is instead a sample (temperature 1) from the
        previous step's logits. The steps before the first such input run teacher-forced through
        the fused LSTM, which is exact: their inputs are the targets. -> logits (N, L, V)."""
        n, length = prev.shape
        use_sample = use_sample.clone()
        use_sample[:, 0] = False  # the first input is the segment's start token
        cols = torch.nonzero(use_sample.any(0)).flatten()
        if len(cols) == 0:
            return self(cond, prev)
        t0 = int(cols[0])
        head_logits, state = self(cond, prev[:, :t0], with_state=True)

        def choose(t: int, logits: Tensor) -> Tensor:
            step = t0 + t  # logits of this step choose the input of the next one
            if step + 1 >= length:
                return prev[:, 0]  # past the end: unused
            drawn = torch.multinomial(torch.softmax(logits.detach(), -1), 1, generator=generator)[:, 0]
            return torch.where(use_sample[:, step + 1], drawn, prev[:, step + 1])

        # step t0's input: a sample from the last prefix logits, or the target
        first = prev[:, t0]
        drawn = torch.multinomial(torch.softmax(head_logits[:, -1].detach(), -1), 1, generator=generator)[:, 0]
        first = torch.where(use_sample[:, t0], drawn, first)
        _, tail_logits = self.steps(cond, first, length - t0, choose, state=state, keep_logits=True)
        return torch.cat([head_logits, tail_logits], dim=1)


def _head(output: str, depth: int, cond_size: int, sizes: tuple[int, ...], control_size: int, nade_hidden: int):
    """The decoder of one output head (categorical: a class of ``depth``; bits / NADE: log2(depth)
    bits; groove: ``depth`` values, a third each hits, velocities and offsets)."""
    if output == "categorical":
        return CoreDecoder(depth, cond_size, sizes, control_size)
    if output == "groove":
        return GrooveHead(depth // 3, cond_size, sizes, control_size)
    bits = depth.bit_length() - 1
    if output == "bits":
        return BitsHead(bits, cond_size, sizes, control_size)
    return NadeHead(bits, nade_hidden, cond_size, sizes, control_size)


class Decoder(nn.Module):
    """Flat (one segment conditioned on z) or hierarchical (a conductor makes one embedding per
    segment); one head per output head (trio: melody, bass, drums, each seeing only its own
    previous output). With controls, every head reads them too (after a bidirectional LSTM over
    the segment's controls when ``controls.preprocess`` is set; the conductor reads none)."""

    def __init__(self, config: MusicVAEConfig, output_depths: tuple[int, ...]):
        super().__init__()
        self.hierarchical = config.decoder == "hierarchical"
        self.num_segments = config.num_segments if self.hierarchical else 1
        self.segment_steps = config.max_seq_len // self.num_segments
        sizes = config.dec_rnn_size
        if self.hierarchical:
            self.initial_state = nn.Linear(config.z_size, 2 * sum(sizes))
            nn.init.normal_(self.initial_state.weight, std=0.001)
            nn.init.zeros_(self.initial_state.bias)
            ins = [1] + list(sizes[:-1])  # the conductor reads a constant zero of width 1
            self.conductor = nn.ModuleList(
                nn.LSTM(i, s, batch_first=True) for i, s in zip(ins, sizes)
            )
            cond_size = sizes[-1]
        else:
            cond_size = config.z_size
        controls = ControlSpec.of(config.controls)
        self.control_lstm = None
        if controls.preprocess:
            self.control_lstm = nn.LSTM(controls.depth, controls.preprocess, batch_first=True, bidirectional=True)
        self.output = config.output
        self.heads = nn.ModuleList(_head(config.output, d, cond_size, sizes, controls.decoder_depth, config.nade_hidden)
                                   for d in output_depths)
        self.sizes = sizes
        self.noise_depth = sum(h.noise_depth for h in self.heads)
        self.token_width = sum(h.token_width for h in self.heads)

    def conduct(self, z: Tensor) -> Tensor:
        """Segment embeddings (B, S, C). For a flat decoder this is z itself, as one segment."""
        if not self.hierarchical:
            return z[:, None, :]
        hs, cs = _initial_state(self.initial_state, z, self.sizes)
        x = z.new_zeros(z.shape[0], self.num_segments, 1)
        for layer, h, c in zip(self.conductor, hs, cs):
            x, _ = layer(x, (h[None].contiguous(), c[None].contiguous()))
        return x

    def segment_controls(self, controls: Tensor | None) -> Tensor | None:
        """What the heads read of a segment's controls (N, L, K): the controls, or the control
        LSTM's outputs over them (Magenta.js runs it over each segment on its own)."""
        if controls is None or self.control_lstm is None:
            return controls
        return self.control_lstm(controls.to(self.control_lstm.weight_ih_l0.dtype))[0]

    def forward(self, z: Tensor, targets: Tensor, sampling_prob: float = 0.0,
                generator: torch.Generator | None = None, controls: Tensor | None = None) -> list[Tensor]:
        """Training pass. targets (B, T, heads) -> logits per head (B, T, V_h).

        Inputs are the targets shifted right by one step over the whole window, so a segment's
        first input is the previous segment's last target (none for the first segment). With
        ``sampling_prob`` p > 0 (scheduled sampling), each step's input is, independently per
        sequence and with probability p, a sample from the previous step's logits instead."""
        if self.output != "categorical":
            raise ModelError(f"training a {self.output} decoder is not supported: Segue trains categorical "
                             "decoders (Magenta.js checkpoints of other kinds load and run)")
        b, t, _ = targets.shape
        s, length = self.num_segments, self.segment_steps
        flat = self.conduct(z).reshape(b * s, -1)  # (B*S, C)
        ctrl = None if controls is None else self.segment_controls(controls.reshape(b * s, length, -1))
        prev = torch.cat([targets.new_full((b, 1, targets.shape[2]), NO_TOKEN), targets[:, :-1]], 1)
        prev = prev.reshape(b * s, length, -1)
        if sampling_prob <= 0:  # teacher forcing: the fused whole-sequence LSTM
            return [head(flat, prev[..., k], controls=ctrl).reshape(b, t, -1) for k, head in enumerate(self.heads)]
        if ctrl is not None:
            raise ModelError("scheduled sampling with controls is not supported")
        use = torch.rand(b, t, generator=generator, device=targets.device) < sampling_prob
        use = use.reshape(b * s, length)
        return [head.scheduled(flat, prev[..., k], use, generator).reshape(b, t, -1)
                for k, head in enumerate(self.heads)]

    def head_starts(self, start: Tensor) -> list[Tensor]:
        """Split start tokens (B, token columns) by head: (B,) for a class or bits, (B, W) for groove."""
        out, col = [], 0
        for head in self.heads:
            w = head.token_width
            out.append(start[:, col] if w == 1 else start[:, col : col + w])
            col += w
        return out

    def decode_segment(self, emb: Tensor, start: Tensor, temperature: float,
                       noise: Tensor | None, controls: Tensor | None = None) -> Tensor:
        """One segment. emb (B, C), start tokens (B, columns) -> tokens (B, L, columns).
        ``noise`` is (B, L, noise_depth) Gumbel noise, or None for argmax; ``controls`` the
        segment's (B, L, K)."""
        ctrl = self.segment_controls(controls)
        out, offset = [], 0
        for head, first in zip(self.heads, self.head_starts(start)):
            head_noise = None if noise is None else noise[..., offset : offset + head.noise_depth]
            offset += head.noise_depth
            tokens = head.sample(emb, first, self.segment_steps, temperature, head_noise, controls=ctrl)
            out.append(tokens[..., None] if tokens.dim() == 2 else tokens)
        return torch.cat(out, dim=-1)


# --- the model -----------------------------------------------------------------------------------

class MusicVAE(nn.Module):
    def __init__(self, config: MusicVAEConfig):
        super().__init__()
        self.config = config
        self.representation: Representation = representation_from_dict(config.representation)
        rep = self.representation
        if (config.output == "groove") != (rep.kind == "groove"):
            raise ValueError(f"{config.name}: a groove representation needs the groove output, and only it")
        if config.output in ("bits", "nade") and any(d & (d - 1) for d in rep.output_depths):
            raise ValueError(f"{config.name}: a bits output needs heads whose depth is a power of 2, "
                             f"got {rep.output_depths}")
        self.controls = ControlSpec.of(config.controls)
        self.encoder = Encoder(config, rep.input_depth + self.controls.depth)
        self.decoder = Decoder(config, tuple(rep.output_depths))

    @property
    def device(self) -> torch.device:
        return self.encoder.mu.weight.device

    @property
    def float_tokens(self) -> bool:
        """Whether decoding gives float vectors (groove) rather than integer tokens."""
        return self.config.output == "groove"

    def start_tokens(self, batch: int, device=None) -> Tensor:
        """What the first step of a window reads: no previous token (zeros for groove)."""
        width = self.decoder.token_width
        if self.float_tokens:
            return torch.zeros(batch, width, device=device)
        return torch.full((batch, width), NO_TOKEN, dtype=torch.long, device=device)

    def segment_lengths(self, indices: Tensor) -> Tensor | None:
        """(B, S) steps of each segment up to and including its end token, for representations
        whose segments end early (multitrack); None otherwise."""
        end = getattr(self.representation, "end_token", None)
        if end is None or self.config.encoder != "hierarchical":
            return None
        b, t = indices.shape[:2]
        s = self.config.num_segments
        is_end = (indices[..., 0] == end).reshape(b, s, t // s)
        if not bool(is_end.any(-1).all()):
            raise ModelError("every segment of a multitrack window needs its end token")
        return is_end.float().argmax(-1) + 1

    def encode(self, indices: Tensor, controls: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """indices (B, T, heads) and controls (B, T, K) -> mu (B, Z), sigma (B, Z)."""
        x = self.representation.to_input(indices).to(self.encoder.mu.weight.dtype)
        if self.controls:
            if controls is None:
                raise ModelError(f"this model is conditioned on {', '.join(self.controls.describe())}: "
                                 "give its controls")
            x = torch.cat([x, controls.to(x.dtype).to(x.device).expand(x.shape[0], -1, -1)], dim=-1)
        return self.encoder(x, self.segment_lengths(indices))

    def forward(self, indices: Tensor, sampling_prob: float = 0.0,
                generator: torch.Generator | None = None, controls: Tensor | None = None):
        """Training pass: z = mu + sigma * eps, then decode with teacher forcing (p = 0) or
        scheduled sampling (p > 0). Returns (logits per head, mu, sigma, z)."""
        mu, sigma = self.encode(indices, controls)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + sigma * eps
        return self.decoder(z, indices, sampling_prob, generator, controls), mu, sigma, z

    def _check_controls(self, controls: Tensor | None, batch: int) -> Tensor | None:
        if not self.controls:
            return None
        if controls is None:
            raise ModelError(f"this model is conditioned on {', '.join(self.controls.describe())}: "
                             "give its controls")
        controls = torch.as_tensor(controls, dtype=torch.float32)
        controls = controls[None] if controls.dim() == 2 else controls
        want = (self.config.max_seq_len, self.controls.depth)
        if tuple(controls.shape[1:]) != want:
            raise ModelError(f"expected controls of shape (B, {want[0]}, {want[1]}), got {tuple(controls.shape)}")
        return controls.expand(batch, -1, -1)

    @torch.no_grad()
    def decode_bars(self, emb: Tensor, start: Tensor, segment: int, temperature: float,
                    seed: int, bar_offset: int = 0, controls: Tensor | None = None) -> Tensor:
        """Decode one segment (hierarchical: one bar) from precomputed conductor embeddings.

        emb (B, S, C) from ``decoder.conduct``; start (B, columns) previous tokens
        (``start_tokens`` at the window's start); controls (B, T, K) of the whole window. Noise is
        keyed by (seed, item, bar_offset + bar index in the window)."""
        dec = self.decoder
        spb, length = STEPS_PER_BAR, dec.segment_steps
        first_bar = bar_offset + segment * length // spb
        noise = None
        if temperature > 0:
            bars = range(first_bar, first_bar + max(1, -(-length // spb)))
            noise = gumbel_noise(seed, emb.shape[0], bars, min(spb, length), dec.noise_depth)[:, :length]
            noise = noise.to(emb.device)
        ctrl = self._check_controls(controls, emb.shape[0])
        if ctrl is not None:
            ctrl = ctrl[:, segment * length : (segment + 1) * length].to(emb.device)
        return dec.decode_segment(emb[:, segment], start, temperature, noise, ctrl)

    @torch.no_grad()
    def decode(self, z: Tensor, temperature: float = 0.0, seed: int = 0,
               bar_offset: int = 0, controls: Tensor | None = None) -> Tensor:
        """z (B, Z) -> tokens (B, T, columns); temperature 0 is argmax. Groove models give float
        vectors (B, T, 3 * drums)."""
        emb = self.decoder.conduct(z)
        start = self.start_tokens(z.shape[0], z.device)
        segments = []
        for s in range(self.decoder.num_segments):
            tokens = self.decode_bars(emb, start, s, temperature, seed, bar_offset, controls)
            segments.append(tokens)
            start = tokens[:, -1]
        return torch.cat(segments, dim=1)
