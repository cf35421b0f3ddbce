"""Every config as a tiny model (hidden size 8): the whole facade, save and load, bar by bar."""

import pytest
import torch

from segue.models.configs import CONFIGS
from segue.models.errors import ModelError
from segue.models.inference import LatentModel, resolve_device

NAMES = [n for n, c in CONFIGS.items() if c.output == "categorical"]  # GrooVAE's: tests/models/test_heads.py


def tiny(name: str, seed: int = 0) -> LatentModel:
    return LatentModel.fresh(CONFIGS[name].scaled(8), seed=seed, device="cpu")


def random_windows(model: LatentModel, batch: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    depths = model.representation.output_depths
    cols = [torch.randint(0, d, (batch, model.config.max_seq_len, 1), generator=g) for d in depths]
    return torch.cat(cols, dim=-1)


@pytest.fixture(scope="module", params=NAMES)
def model(request) -> LatentModel:
    return tiny(request.param)


def test_encode_gives_mu_and_positive_sigma(model):
    mu, sigma = model.encode(random_windows(model, 3))
    assert mu.shape == sigma.shape == (3, 8)
    assert (sigma > 0).all()
    # batched equals one at a time
    one_mu, _ = model.encode(random_windows(model, 3)[1:2])
    torch.testing.assert_close(one_mu[0], mu[1], rtol=1e-4, atol=1e-6)


def test_decode_shapes_ranges_and_determinism(model):
    z = model.prior(4, seed=1)
    out = model.decode(z, temperature=1.0, seed=5)
    assert out.shape == (4, model.config.max_seq_len, model.representation.n_heads)
    for k, depth in enumerate(model.representation.output_depths):
        assert 0 <= out[..., k].min() and out[..., k].max() < depth
    assert torch.equal(out, model.decode(z, temperature=1.0, seed=5))
    assert torch.equal(model.decode(z, 0.0), model.decode(z, 0.0, seed=99))  # argmax ignores seed


def test_temperature_and_seed_change_samples(model):
    z = model.prior(8, seed=0)
    hot_a = model.decode(z, temperature=5.0, seed=1)
    hot_b = model.decode(z, temperature=5.0, seed=2)
    assert not torch.equal(hot_a, hot_b)


def test_sample_is_keyed_by_seed(model):
    z1, x1 = model.sample(3, temperature=0.5, seed=7)
    z2, x2 = model.sample(3, temperature=0.5, seed=7)
    assert torch.equal(z1, z2) and torch.equal(x1, x2)
    z3, _ = model.sample(3, temperature=0.5, seed=8)
    assert not torch.equal(z1, z3)
    z_more, _ = model.sample(5, temperature=0.5, seed=7)
    assert torch.equal(z_more[:3], z1)  # item i's draw does not depend on n


def test_interpolate_and_decode_the_path(model):
    mu, _ = model.encode(random_windows(model, 2))
    path = model.interpolate(mu[0], mu[1], 5)
    assert path.shape == (5, 8)
    assert torch.equal(path[0], mu[0]) and torch.equal(path[-1], mu[1])
    assert model.decode(path).shape[0] == 5


def test_attribute_shift(model):
    z = model.prior(2)
    with pytest.raises(ModelError, match="no attribute vector 'note_density'"):
        model.shift(z, "note_density", 1.0)
    model.attributes["note_density"] = torch.ones(8)
    try:
        torch.testing.assert_close(model.shift(z, "note_density", 0.5), z + 0.5)
    finally:
        del model.attributes["note_density"]


def test_save_and_load_rebuild_the_same_model(model, tmp_path):
    model.attributes["wider"] = torch.arange(8.0)
    try:
        path = model.save(tmp_path / "m.safetensors", training={"steps": 3}, licence="CC0")
    finally:
        del model.attributes["wider"]
    loaded = LatentModel.load(path, device="cpu")
    assert loaded.config == model.config
    assert loaded.meta.training == {"steps": 3} and loaded.meta.licence == "CC0"
    torch.testing.assert_close(loaded.attributes["wider"], torch.arange(8.0))
    windows = random_windows(model, 2)
    torch.testing.assert_close(loaded.encode(windows)[0], model.encode(windows)[0])
    z = model.prior(2)
    assert torch.equal(loaded.decode(z, 0.8, seed=3), model.decode(z, 0.8, seed=3))


@pytest.mark.parametrize("temperature", [0.0, 0.5, 1.5])
def test_bar_by_bar_equals_whole(model, temperature):
    """The conductor runs once; each segment is decoded on demand from the previous one's last
    token, with noise keyed by bar: the same music as decoding the whole window."""
    z = model.prior(3, seed=4)
    whole = model.decode(z, temperature, seed=11)
    emb = model.conduct(z)
    start, parts = model.start_tokens(3), []
    order = range(emb.shape[1])
    for s in order:
        part = model.decode_segment(emb, s, start, temperature, seed=11)
        parts.append(part)
        start = part[:, -1]
    assert torch.equal(torch.cat(parts, dim=1).cpu(), whole)


def test_hierarchical_segments_can_be_regenerated_alone():
    """Any bar on demand: re-decoding bar 2 from bar 1's last token reproduces bar 2."""
    model = tiny("hier-mel_4bar_small")
    z = model.prior(2, seed=1)
    whole = model.decode(z, 1.0, seed=3)
    emb = model.conduct(z)
    start = whole[:, 16 - 1]  # last token of bar 1 (segment 0)
    again = model.decode_segment(emb, 1, start, 1.0, seed=3)
    assert torch.equal(again.cpu(), whole[:, 16:32])


def test_bad_shapes_and_values_are_refused():
    model = tiny("cat-mel_2bar_small")
    with pytest.raises(ModelError, match="shape"):
        model.encode(torch.zeros(1, 31, 1, dtype=torch.long))
    with pytest.raises(ModelError, match="z of shape"):
        model.decode(torch.zeros(1, 9))
    with pytest.raises(ModelError, match="temperature"):
        model.decode(torch.zeros(1, 8), temperature=-1)


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no usable CUDA"):
            resolve_device("cuda")


def test_full_size_parameter_counts_match_magenta():
    """The TF checkpoints' sizes (reference 1.6): our nn.LSTM keeps a zero bias_hh per LSTM that
    TF does not have; without it the counts are Magenta's."""
    from segue.models.musicvae import MusicVAE

    def tf_count(name):
        m = MusicVAE(CONFIGS[name])
        return sum(p.numel() for n, p in m.named_parameters() if "bias_hh" not in n)

    assert tf_count("cat-mel_2bar_small") == 4_423_770
