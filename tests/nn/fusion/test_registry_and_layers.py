"""Every registered fusion layer: shapes, gradients, determinism, NaN safety and input errors."""

import warnings

import pytest
import torch

from fuselearn.exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from fuselearn.nn import FUSIONS, make_fusion, register_fusion
from fuselearn.nn.fusion import ConcatFusion

NAMES = sorted(FUSIONS)
IN_DIMS = [8, 16, 4]


def _vectors(batch=5, scale=1.0):
    return [scale * torch.randn(batch, d) for d in IN_DIMS]


def _maps(batch=3, scale=1.0):
    return [scale * torch.randn(batch, c, s, s) for c, s in zip(IN_DIMS, (8, 4, 2))]


def test_registry_lists_required_names():
    for name in ("concat", "sum", "product", "attention", "gated", "lowrank", "graph", "aff"):
        assert name in FUSIONS


def test_unknown_name_lists_choices():
    with pytest.raises(UnknownNameError, match="Valid names are: .*aff.*concat"):
        make_fusion("fancy", [4], 4)


def test_names_are_normalised():
    assert isinstance(make_fusion("  AFF ", [4, 4], 4), type(make_fusion("aff", [4, 4], 4)))


def test_bad_option_is_a_clear_error():
    with pytest.raises(InvalidParameterError, match="does not take options"):
        make_fusion("concat", [4], 4, rank=3)


def test_registering_twice_warns():
    register_fusion("test_dup_fusion")(ConcatFusion)
    with pytest.warns(UserWarning, match="registered twice"):
        register_fusion("test_dup_fusion")(ConcatFusion)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        register_fusion("test_dup_fusion", overwrite=True)(ConcatFusion)


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_forward_shape_and_gradients(name, spatial):
    layer = make_fusion(name, IN_DIMS, 12, spatial=spatial)
    xs = [x.requires_grad_() for x in (_maps() if spatial else _vectors())]
    if name == "aff":
        # AFF's form mixing starts at exactly one form (ReZero-style zero gate): the other forms'
        # parameters get gradients once the gate has moved, i.e. from the second step on
        layer(xs).square().mean().backward()
        with torch.no_grad():
            for p in layer.parameters():
                if p.grad is not None:
                    p -= 0.1 * p.grad
        layer.zero_grad()
    out = layer(xs)
    assert out.shape == ((3, 12, 2, 2) if spatial else (5, 12))
    out.square().mean().backward()
    for pname, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, f"{name}: no gradient for {pname}"
    assert all(x.grad is not None for x in xs)


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_under_seed(name):
    outs = []
    for _ in range(2):
        torch.manual_seed(3)
        layer = make_fusion(name, IN_DIMS, 6)
        torch.manual_seed(4)
        outs.append(layer(_vectors()))
    torch.testing.assert_close(outs[0], outs[1])


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_no_nan_on_extreme_inputs(name, spatial):
    layer = make_fusion(name, IN_DIMS, 6, spatial=spatial)
    make = _maps if spatial else _vectors
    for xs in (make(scale=1e4), make(scale=0.0)):
        xs = [x.requires_grad_() for x in xs]
        out = layer(xs)
        assert torch.isfinite(out).all()
        out.mean().backward()
        assert all(torch.isfinite(p.grad).all() for p in layer.parameters() if p.grad is not None)


@pytest.mark.parametrize("name", NAMES)
def test_repr_is_short(name):
    text = repr(make_fusion(name, [16, 32], 64))
    assert "[16, 32], 64" in text and "\n" not in text


@pytest.mark.parametrize("name", NAMES)
def test_reset_parameters_changes_weights(name):
    layer = make_fusion(name, IN_DIMS, 6)
    before = [p.detach().clone() for p in layer.parameters()]
    layer.reset_parameters()
    assert any(not torch.equal(a, b) for a, b in zip(before, layer.parameters()))


@pytest.mark.parametrize("name", NAMES)
def test_input_errors(name):
    layer = make_fusion(name, IN_DIMS, 6)
    with pytest.raises(InvalidInputError, match="empty list"):
        layer([])
    with pytest.raises(InvalidInputError, match="source 2 has batch size 4"):
        layer([torch.zeros(5, 8), torch.zeros(5, 16), torch.zeros(4, 4)])
    with pytest.raises(InvalidInputError, match=r"source 1 has shape \(5, 16, 2, 2\)"):
        layer([torch.zeros(5, 8), torch.zeros(5, 16, 2, 2), torch.zeros(5, 4)])
    with pytest.raises(InvalidInputError, match=r"source 1 has width 15 but in_dims\[1\] = 16"):
        layer([torch.zeros(5, 8), torch.zeros(5, 15), torch.zeros(5, 4)])
    with pytest.raises(InvalidInputError, match="built for 3 sources"):
        layer([torch.zeros(5, 8)])
    with pytest.raises(InvalidInputError, match="list of tensors"):
        layer(torch.zeros(5, 8))


@pytest.mark.parametrize("bad", [[], [0, 4], [4, "a"], 4])
def test_bad_in_dims(bad):
    with pytest.raises(InvalidParameterError):
        make_fusion("concat", bad, 4)


def test_spatial_sizes_option():
    xs = _maps()
    assert make_fusion("sum", IN_DIMS, 6, spatial=True, size="largest")(xs).shape == (3, 6, 8, 8)
    assert make_fusion("sum", IN_DIMS, 6, spatial=True, size=(3, 5))(xs).shape == (3, 6, 3, 5)
    with pytest.raises(InvalidParameterError):
        make_fusion("sum", IN_DIMS, 6, spatial=True, size="huge")


def test_attention_weights_sum_to_one():
    layer = make_fusion("attention", IN_DIMS, 6)
    layer(_vectors())
    torch.testing.assert_close(layer.last_weights.sum(1), torch.ones(5))
