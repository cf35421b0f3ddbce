"""The LSTM maths against TF's LSTMBlockCell formula, written out by hand."""

import torch

from segue.models.musicvae import CoreDecoder, lstm_from_tf, lstm_step, lstm_to_tf


def tf_block_cell(x, h, c, kernel, bias, forget_bias=1.0):
    """LSTMBlockCell: [x, h] @ K + b split into i, j, f, o; +forget_bias on f at run time."""
    gates = torch.cat([x, h], dim=1) @ kernel + bias
    i, j, f, o = gates.chunk(4, dim=1)
    c_new = torch.sigmoid(i) * torch.tanh(j) + c * torch.sigmoid(f + forget_bias)
    return torch.tanh(c_new) * torch.sigmoid(o), c_new


def test_step_matches_tf_formula():
    g = torch.Generator().manual_seed(0)
    n, d, hidden = 4, 5, 3
    kernel = torch.randn(d + hidden, 4 * hidden, generator=g, dtype=torch.float64)
    bias = torch.randn(4 * hidden, generator=g, dtype=torch.float64)
    x = torch.randn(n, d, generator=g, dtype=torch.float64)
    h = torch.randn(n, hidden, generator=g, dtype=torch.float64)
    c = torch.randn(n, hidden, generator=g, dtype=torch.float64)
    w_ih, w_hh, b_ih, b_hh = lstm_from_tf(kernel, bias, d)
    assert torch.count_nonzero(b_hh) == 0
    h1, c1 = lstm_step(x @ w_ih.T + b_ih + b_hh, h, c, w_hh)
    h2, c2 = tf_block_cell(x, h, c, kernel, bias)
    torch.testing.assert_close(h1, h2)
    torch.testing.assert_close(c1, c2)
    # nn.LSTM with the converted weights computes the same thing (the training path)
    lstm = torch.nn.LSTM(d, hidden, batch_first=True).double()
    with torch.no_grad():
        for name, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                               (w_ih, w_hh, b_ih, b_hh)):
            getattr(lstm, name).copy_(value)
    _, (h3, c3) = lstm(x[:, None], (h[None], c[None]))
    torch.testing.assert_close(h3[0], h2)
    torch.testing.assert_close(c3[0], c2)


def test_tf_conversion_round_trips():
    g = torch.Generator().manual_seed(1)
    kernel = torch.randn(7 + 4, 16, generator=g)
    bias = torch.randn(16, generator=g)
    back_kernel, back_bias = lstm_to_tf(*lstm_from_tf(kernel, bias, 7))
    torch.testing.assert_close(back_kernel, kernel)
    torch.testing.assert_close(back_bias, bias)


def test_forget_bias_lands_on_the_forget_gate():
    # a zero TF cell: the only non-zero pre-activation is the +1 on f
    kernel, bias = torch.zeros(3, 8), torch.zeros(8)
    _, _, b_ih, _ = lstm_from_tf(kernel, bias, 1)
    assert b_ih.tolist() == [0, 0, 1, 1, 0, 0, 0, 0]  # torch order i, f, g, o with H = 2


def test_stepwise_decoder_equals_teacher_forcing():
    """The hand-written sampling loop and the fused nn.LSTM path are the same network."""
    torch.manual_seed(0)
    head = CoreDecoder(output_depth=6, cond_size=4, sizes=(5, 5)).eval()
    cond = torch.randn(3, 4)
    targets = torch.randint(0, 6, (3, 7))
    prev = torch.cat([torch.full((3, 1), -1), targets[:, :-1]], dim=1)
    with torch.no_grad():
        forced = head(cond, prev)
        tokens, stepped = head.steps(cond, prev[:, 0], 7, lambda t, logits: targets[:, t], keep_logits=True)
        # scheduled sampling that never samples is teacher forcing
        never = head.scheduled(cond, prev, torch.zeros(3, 7, dtype=torch.bool), None)
        # a fused prefix followed by stepping gives the same logits while inputs are the targets
        _, state = head(cond, prev[:, :3], with_state=True)
        _, tail = head.steps(cond, prev[:, 3], 4, lambda t, logits: targets[:, 3 + t], state=state,
                             keep_logits=True)
    torch.testing.assert_close(stepped, forced, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(never, forced)
    torch.testing.assert_close(tail, forced[:, 3:], rtol=1e-5, atol=1e-5)
    assert torch.equal(tokens, targets)


def test_scheduled_sampling_feeds_samples_where_asked():
    """Where the mask says so, the next input is the model's own sample: with a decoder whose
    logits strongly prefer token 0, sampled inputs are 0 and the logits after them change."""
    torch.manual_seed(0)
    head = CoreDecoder(output_depth=4, cond_size=2, sizes=(6,)).eval()
    with torch.no_grad():
        head.output_projection.bias.copy_(torch.tensor([50.0, 0.0, 0.0, 0.0]))
    cond = torch.randn(2, 2)
    prev = torch.full((2, 5), 3)
    prev[:, 0] = -1
    use = torch.zeros(2, 5, dtype=torch.bool)
    use[0, 2] = True  # row 0 reads a sample at step 2
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        forced = head(cond, prev)
        mixed = head.scheduled(cond, prev, use, g)
        expect_prev = prev.clone()
        expect_prev[0, 2] = 0  # the sample from logits that all but force token 0
        expected = head(cond, expect_prev)
    torch.testing.assert_close(mixed, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(mixed[1], forced[1], rtol=1e-5, atol=1e-5)  # row 1 never sampled
    assert not torch.allclose(mixed[0, 2:], forced[0, 2:])
