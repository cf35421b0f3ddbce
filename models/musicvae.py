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
from segue.models.representation import Representation, representation_from_dict

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


def lstm_step(gates_x: Tensor, h: Tensor, c: Tensor, weight_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step given the input's share of the gates (bias included). torch gate order.

    Written for few kernel launches (the cost at batch 1): one addmm, one sigmoid over all four
    gates, one tanh for the candidate, then c and h."""
    gates = torch.addmm(gates_x, h, weight_hh.t())  # (N, 4H)
    hidden = h.shape[1]
    act = torch.sigmoid(gates)
    g = torch.tanh(gates[:, 2 * hidden : 3 * hidden])
    c = torch.addcmul(act[:, hidden : 2 * hidden] * c, act[:, :hidden], g)
    return act[:, 3 * hidden :] * torch.tanh(c), c


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

    def forward(self, x: Tensor) -> Tensor:  # (N, T, D) -> (N, 2H)
        h_n = None
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

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:  # (B, T, D) -> (B, Z), (B, Z)
        if self.hierarchical:
            b, t, d = x.shape
            s = self.num_segments
            seg = self.levels[0](x.reshape(b * s, t // s, d))  # (B*S, 2H)
            out = self.levels[1](seg.reshape(b, s, -1))  # (B, 2H)
        else:
            out = self.core(x)
        return self.mu(out), F.softplus(self.sigma(out))


# --- decoders -------------------------------------------------------------------------------------

def _initial_state(dense: nn.Linear, cond: Tensor, sizes: tuple[int, ...]):
    """tanh(dense(cond)) split as c0, h0, c1, h1, ... -> lists hs, cs."""
    flat = torch.tanh(dense(cond))
    parts = flat.split([s for size in sizes for s in (size, size)], dim=-1)
    return list(parts[1::2]), list(parts[0::2])


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

    def __init__(self, output_depth: int, cond_size: int, sizes: tuple[int, ...]):
        super().__init__()
        self.output_depth = output_depth
        self.sizes = sizes
        self.z_to_initial_state = nn.Linear(cond_size, 2 * sum(sizes))
        nn.init.normal_(self.z_to_initial_state.weight, std=0.001)
        nn.init.zeros_(self.z_to_initial_state.bias)
        ins = [output_depth + cond_size] + list(sizes[:-1])
        self.layers = nn.ModuleList(nn.LSTM(i, s, batch_first=True) for i, s in zip(ins, sizes))
        self.output_projection = nn.Linear(sizes[-1], output_depth)

    def forward(self, cond: Tensor, prev: Tensor, with_state: bool = False):
        """Teacher forcing. cond (N, C), prev tokens (N, L) with NO_TOKEN for none -> logits (N, L, V)
        (and, with ``with_state``, the final (hs, cs) per layer, to continue step by step)."""
        n, length = prev.shape
        onehot = F.one_hot((prev + 1).clamp(min=0), self.output_depth + 1)[..., 1:].to(cond.dtype)
        x = torch.cat([onehot, cond[:, None, :].expand(n, length, cond.shape[-1])], dim=-1)
        hs, cs = _initial_state(self.z_to_initial_state, cond, self.sizes)
        for k, layer in enumerate(self.layers):
            x, (h, c) = layer(x, (hs[k][None].contiguous(), cs[k][None].contiguous()))
            hs[k], cs[k] = h[0], c[0]
        logits = self.output_projection(x)
        return (logits, (hs, cs)) if with_state else logits

    def steps(self, cond: Tensor, first: Tensor, count: int, choose, state=None,
              keep_logits: bool = False) -> tuple[Tensor, Tensor | None]:
        """Run ``count`` steps one at a time. ``first`` (N,) is the first step's input token
        (NO_TOKEN: zeros); ``choose(t, logits)`` gives the token after step t (the next input).
        ``state`` continues from (hs, cs) instead of tanh(dense(cond)). Returns the chosen tokens
        (N, count) and, with ``keep_logits``, the logits (N, count, V)."""
        first_layer = self.layers[0]
        w_ih0, w_hh0 = first_layer.weight_ih_l0, first_layer.weight_hh_l0
        b0 = first_layer.bias_ih_l0 + first_layer.bias_hh_l0
        v = self.output_depth
        # the token's share of layer 0's gates, by lookup; row v (for NO_TOKEN) is zero
        token_rows = torch.cat([w_ih0[:, :v].t(), w_ih0.new_zeros(1, w_ih0.shape[0])])  # (V+1, 4H)
        cond_gates = F.linear(cond, w_ih0[:, v:], b0)  # (N, 4H), the same at every step
        hs, cs = state if state is not None else _initial_state(self.z_to_initial_state, cond, self.sizes)
        hs, cs = list(hs), list(cs)
        proj_w, proj_b = self.output_projection.weight, self.output_projection.bias
        prev = torch.where(first < 0, v, first)
        tokens, all_logits = [], []
        layers = self.layers
        for t in range(count):
            x = cond_gates + token_rows[prev]
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
               noise: Tensor | None = None) -> Tensor:
        """Autoregressive decode of ``steps`` tokens from cond (N, C) and start tokens (N,):
        argmax(logits / T + noise) (Gumbel-max: sampling at temperature T), or argmax(logits)
        when temperature is 0 or there is no noise."""
        if temperature > 0 and noise is not None:
            scaled = noise * temperature  # argmax(l / T + g) = argmax(l + T * g) for T > 0

            def choose(t: int, logits: Tensor) -> Tensor:
                return torch.argmax(logits + scaled[:, t], dim=-1)
        else:
            def choose(t: int, logits: Tensor) -> Tensor:
                return torch.argmax(logits, dim=-1)
        return self.steps(cond, start, steps, choose)[0]

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


class Decoder(nn.Module):
    """Flat (one segment conditioned on z) or hierarchical (a conductor makes one embedding per
    segment); one CoreDecoder per output head (trio: melody, bass, drums, each seeing only its own
    previous token)."""

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
        self.heads = nn.ModuleList(CoreDecoder(d, cond_size, sizes) for d in output_depths)
        self.sizes = sizes

    def conduct(self, z: Tensor) -> Tensor:
        """Segment embeddings (B, S, C). For a flat decoder this is z itself, as one segment."""
        if not self.hierarchical:
            return z[:, None, :]
        hs, cs = _initial_state(self.initial_state, z, self.sizes)
        x = z.new_zeros(z.shape[0], self.num_segments, 1)
        for layer, h, c in zip(self.conductor, hs, cs):
            x, _ = layer(x, (h[None].contiguous(), c[None].contiguous()))
        return x

    def forward(self, z: Tensor, targets: Tensor, sampling_prob: float = 0.0,
                generator: torch.Generator | None = None) -> list[Tensor]:
        """Training pass. targets (B, T, heads) -> logits per head (B, T, V_h).

        Inputs are the targets shifted right by one step over the whole window, so a segment's
        first input is the previous segment's last target (none for the first segment). With
        ``sampling_prob`` p > 0 (scheduled sampling), each step's input is, independently per
        sequence and with probability p, a sample from the previous step's logits instead."""
        b, t, _ = targets.shape
        s, length = self.num_segments, self.segment_steps
        flat = self.conduct(z).reshape(b * s, -1)  # (B*S, C)
        prev = torch.cat([targets.new_full((b, 1, targets.shape[2]), NO_TOKEN), targets[:, :-1]], 1)
        prev = prev.reshape(b * s, length, -1)
        if sampling_prob <= 0:  # teacher forcing: the fused whole-sequence LSTM
            return [head(flat, prev[..., k]).reshape(b, t, -1) for k, head in enumerate(self.heads)]
        use = torch.rand(b, t, generator=generator, device=targets.device) < sampling_prob
        use = use.reshape(b * s, length)
        return [head.scheduled(flat, prev[..., k], use, generator).reshape(b, t, -1)
                for k, head in enumerate(self.heads)]

    def decode_segment(self, emb: Tensor, start: Tensor, temperature: float,
                       noise: Tensor | None) -> Tensor:
        """One segment. emb (B, C), start tokens (B, heads) -> tokens (B, L, heads).
        ``noise`` is (B, L, sum of output depths) Gumbel noise, or None for argmax."""
        out, offset = [], 0
        for k, head in enumerate(self.heads):
            head_noise = None if noise is None else noise[..., offset : offset + head.output_depth]
            offset += head.output_depth
            out.append(head.sample(emb, start[:, k], self.segment_steps, temperature, head_noise))
        return torch.stack(out, dim=-1)


# --- the model -----------------------------------------------------------------------------------

class MusicVAE(nn.Module):
    def __init__(self, config: MusicVAEConfig):
        super().__init__()
        self.config = config
        self.representation: Representation = representation_from_dict(config.representation)
        rep = self.representation
        self.encoder = Encoder(config, rep.input_depth)
        self.decoder = Decoder(config, tuple(rep.output_depths))

    @property
    def device(self) -> torch.device:
        return self.encoder.mu.weight.device

    def encode(self, indices: Tensor) -> tuple[Tensor, Tensor]:
        """indices (B, T, heads) -> mu (B, Z), sigma (B, Z)."""
        return self.encoder(self.representation.to_input(indices).to(self.encoder.mu.weight.dtype))

    def forward(self, indices: Tensor, sampling_prob: float = 0.0,
                generator: torch.Generator | None = None):
        """Training pass: z = mu + sigma * eps, then decode with teacher forcing (p = 0) or
        scheduled sampling (p > 0). Returns (logits per head, mu, sigma, z)."""
        mu, sigma = self.encode(indices)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + sigma * eps
        return self.decoder(z, indices, sampling_prob, generator), mu, sigma, z

    @torch.no_grad()
    def decode_bars(self, emb: Tensor, start: Tensor, segment: int, temperature: float,
                    seed: int, bar_offset: int = 0) -> Tensor:
        """Decode one segment (hierarchical: one bar) from precomputed conductor embeddings.

        emb (B, S, C) from ``decoder.conduct``; start (B, heads) previous tokens (NO_TOKEN at the
        window's start). Noise is keyed by (seed, item, bar_offset + bar index in the window)."""
        dec = self.decoder
        spb = STEPS_PER_BAR
        first_bar = bar_offset + segment * dec.segment_steps // spb
        noise = None
        if temperature > 0:
            bars = range(first_bar, first_bar + max(1, dec.segment_steps // spb))
            depth = sum(self.representation.output_depths)
            noise = gumbel_noise(seed, emb.shape[0], bars, min(spb, dec.segment_steps), depth)
            noise = noise.to(emb.device)
        return dec.decode_segment(emb[:, segment], start, temperature, noise)

    @torch.no_grad()
    def decode(self, z: Tensor, temperature: float = 0.0, seed: int = 0,
               bar_offset: int = 0) -> Tensor:
        """z (B, Z) -> tokens (B, T, heads); temperature 0 is argmax."""
        emb = self.decoder.conduct(z)
        start = torch.full((z.shape[0], self.representation.n_heads), NO_TOKEN,
                           dtype=torch.long, device=z.device)
        segments = []
        for s in range(self.decoder.num_segments):
            tokens = self.decode_bars(emb, start, s, temperature, seed, bar_offset)
            segments.append(tokens)
            start = tokens[:, -1]
        return torch.cat(segments, dim=1)
