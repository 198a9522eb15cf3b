"""TextCNN ("cnn1d") and FusionTransformer ("transformer"): shapes, every fusion, padding, truncation, errors."""

import pytest
import torch

from fuselearn.exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from fuselearn.nn import FUSIONS, FusionTransformer, TextCNN, get_module_spec

NAMES = sorted(f for f in FUSIONS if not f.startswith("test_"))
TOKENS = torch.tensor([[3, 4, 5, 6, 0, 0], [7, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])


def _cnn(**kw):
    return TextCNN(20, 3, **{"embed_dim": 4, "n_filters": 5, **kw})


def _tf(**kw):
    return FusionTransformer(20, 3, **{"d_model": 8, "nhead": 2, "dim_feedforward": 16, "fusion_dim": 6, **kw})


@pytest.mark.parametrize("fusion", NAMES)
def test_textcnn_every_fusion(fusion):
    net = _cnn(fusion=fusion, fusion_dim=6)
    assert net(TOKENS).shape == (3, 3)
    assert net.embed(TOKENS).shape == (3, 6)
    assert [f.shape for f in net.layer_features(TOKENS)] == [(3, 5)] * 3


@pytest.mark.parametrize("fusion", NAMES)
def test_transformer_every_fusion(fusion):
    for pooling in ("mean", "cls"):
        net = _tf(fusion=fusion, pooling=pooling, include_embedding=True).eval()
        out = net(TOKENS)
        assert out.shape == (3, 3) and torch.isfinite(out).all()  # the all-padding row too
        assert net.embed(TOKENS).shape == (3, 6)
        assert len(net.layer_features(TOKENS)) == 3  # embeddings + 2 blocks


def test_textcnn_default_is_kim_concat():
    net = TextCNN(50, 2)
    assert net.widths == (3, 4, 5) and net.fusion_dim == 300 and isinstance(net.fusion.proj, torch.nn.Identity)
    assert _cnn(pooling="max_mean").embed(TOKENS).shape == (3, 30)


@pytest.mark.parametrize("make", [_cnn, _tf, lambda: _tf(pooling="cls")])
def test_trailing_padding_does_not_change_the_output(make):
    torch.manual_seed(0)
    net = make().eval()
    short = torch.tensor([[3, 4, 5, 6, 2]])
    padded = torch.tensor([[3, 4, 5, 6, 2, 0, 0, 0, 0, 0, 0]])
    torch.testing.assert_close(net(short), net(padded))


def test_short_inputs_and_truncation():
    assert _cnn()(torch.tensor([[3], [4]])).shape == (2, 3)  # shorter than the widest convolution
    net = _tf(max_length=4).eval()
    long = torch.tensor([[3, 4, 5, 6, 7, 8, 9]])
    torch.testing.assert_close(net(long), net(long[:, :4]))  # documented: truncated to max_length


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    tokens = torch.tensor([[3, 4, 5, 6, 7], [7, 9, 2, 0, 0]])
    for net in (_cnn(fusion="aff", fusion_dim=6), _tf(pooling="cls", include_embedding=True)):
        net(tokens).square().mean().backward()
        missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        assert missing == [], missing


def test_reset_parameters_keeps_padding_zero_and_reprs():
    for net in (_cnn(), _tf()):
        net.reset_parameters()
        assert net.embedding.weight[0].abs().sum() == 0
    assert repr(TextCNN(100, 2)) == "TextCNN(100, 2, widths=(3, 4, 5), n_filters=100, fusion='concat')"
    assert repr(FusionTransformer(100, 2)) == (
        "FusionTransformer(100, 2, d_model=64, num_layers=2, pooling='mean', fusion='aff')")


def test_registered_as_sequence_modules():
    assert get_module_spec("cnn1d").input_kind == "sequence"
    assert get_module_spec("transformer").input_kind == "sequence"
    assert isinstance(get_module_spec("cnn1d").builder(10, 2, n_filters=3), TextCNN)


def test_errors():
    with pytest.raises(UnknownNameError, match="Valid names"):
        _cnn(fusion="nope")
    with pytest.raises(InvalidParameterError, match="widths"):
        TextCNN(20, 2, widths=())
    with pytest.raises(InvalidParameterError, match="pooling"):
        _cnn(pooling="min")
    with pytest.raises(InvalidParameterError, match="divisor of d_model"):
        FusionTransformer(20, 2, d_model=10, nhead=4)
    with pytest.raises(InvalidParameterError, match="pooling"):
        _tf(pooling="first")
    for net in (_cnn(), _tf()):
        with pytest.raises(InvalidInputError, match=r"\(batch, L\)"):
            net(torch.zeros(3, dtype=torch.long))
