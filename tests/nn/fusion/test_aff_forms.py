"""AFF's mixed fusion forms (product, sum = concat-projection, attention, MS-CAM): shapes, that the
initialisation is exactly the chosen baseline, gradients, repr and bad option names."""

import pytest
import torch

from fuselearn.exceptions import InvalidParameterError
from fuselearn.nn import AFF, make_fusion
from fuselearn.nn.fusion import ConcatFusion, ProductFusion, SumFusion

IN_DIMS, OUT = [4, 6, 5], 8


def _vectors(n=7):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(n, d, generator=g) for d in IN_DIMS]


def _maps(n=3):
    g = torch.Generator().manual_seed(0)
    return [torch.randn(n, d, s, s, generator=g) for d, s in zip(IN_DIMS, (8, 4, 4))]


def _copy_projections(aff, layer):
    """Put AFF's first-function projection weights into a baseline's per-source projections."""
    d = aff.out_dim
    with torch.no_grad():
        for src, dst in zip(aff.projs, layer.projs):
            dst.weight.copy_(src.weight[:d])
            dst.bias.copy_(src.bias[:d])


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("baseline", [ProductFusion, SumFusion])
def test_init_is_exactly_the_baseline(baseline, spatial):
    torch.manual_seed(0)
    init = "product" if baseline is ProductFusion else "sum"
    aff = AFF(IN_DIMS, OUT, spatial=spatial, init_form=init, map_attention="channel")
    base = baseline(IN_DIMS, OUT, spatial=spatial)
    _copy_projections(aff, base)
    xs = _maps() if spatial else _vectors()
    torch.testing.assert_close(aff(xs), base(xs), rtol=1e-5, atol=1e-6)  # float rounding of a wider matmul only


def test_default_starts_as_product():
    aff = AFF(IN_DIMS, OUT)
    assert aff.init_form == "product"
    base = ProductFusion(IN_DIMS, OUT)
    _copy_projections(aff, base)
    xs = _vectors()
    torch.testing.assert_close(aff(xs), base(xs), rtol=1e-5, atol=1e-6)  # float rounding of a wider matmul only
    torch.testing.assert_close(aff.last_mix, torch.tensor([[1.0, 0.0, 0.0]]).expand(7, 3))


def test_sum_form_is_concat_projection():
    torch.manual_seed(0)
    concat = ConcatFusion(IN_DIMS, OUT)
    aff = AFF(IN_DIMS, OUT, init_form="sum")
    with torch.no_grad():  # W [x_1; x_2; x_3] + b = sum_s W_s x_s + b
        start = 0
        for i, (p, d) in enumerate(zip(aff.projs, IN_DIMS)):
            p.weight[:OUT].copy_(concat.proj.weight[:, start:start + d])
            p.bias[:OUT].copy_(concat.proj.bias if i == 0 else torch.zeros(OUT))
            start += d
    xs = _vectors()
    torch.testing.assert_close(aff(xs), concat(xs), rtol=1e-6, atol=1e-6)


def test_attention_init_is_the_earlier_aff():
    torch.manual_seed(0)
    old = AFF(IN_DIMS, OUT, forms=("attention",)).eval()
    new = AFF(IN_DIMS, OUT, init_form="attention").eval()
    missing, unexpected = new.load_state_dict(old.state_dict(), strict=False)
    assert set(missing) == {"mix.weight", "mix.bias"} and not unexpected
    xs = _vectors()
    torch.testing.assert_close(new(xs), old(xs), rtol=1e-5, atol=1e-6)  # float rounding of a wider matmul only
    assert new.last_weights.shape == (7, 3) and new.last_gate.shape == (7, 3)


@pytest.mark.parametrize("forms", [("product",), ("sum",), ("attention",), ("product", "sum"),
                                   ("sum", "attention"), ("product", "sum", "attention")])
@pytest.mark.parametrize("spatial", [False, True])
def test_form_subsets_shapes(forms, spatial):
    layer = AFF(IN_DIMS, OUT, spatial=spatial, forms=forms)
    out = layer(_maps() if spatial else _vectors())
    assert out.shape == ((3, OUT, 4, 4) if spatial else (7, OUT))
    assert (layer.mix is None) == (len(forms) == 1)
    n_att = sum(p.numel() for n, p in layer.named_parameters() if n.startswith(("score", "prior", "gate")))
    assert (n_att > 0) == ("attention" in forms)  # the attention path's weights exist only when used


@pytest.mark.parametrize("mode,spatial", [("channel", False), ("channel", True), ("spatial", True),
                                          ("ms_cam", True)])
def test_map_attention_shapes_and_gradients(mode, spatial):
    torch.manual_seed(0)
    # cam_reduction=2 keeps 4 bottleneck units: with 2, all may start as dead ReLUs on 3 samples
    layer = AFF(IN_DIMS, OUT, spatial=spatial, map_attention=mode, init_form="cam", cam_reduction=2)
    assert layer.forms_[-1] == "cam"
    assert (layer.cam_global is not None) == (mode in ("channel", "ms_cam"))
    assert (layer.cam_local is not None) == (mode in ("spatial", "ms_cam"))
    xs = [x.requires_grad_() for x in (_maps() if spatial else _vectors())]
    out = layer(xs)
    assert out.shape == ((3, OUT, 4, 4) if spatial else (7, OUT))
    out.square().mean().backward()
    for branch in (layer.cam_global, layer.cam_local):
        if branch is not None:
            assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in branch.parameters())
    assert all(x.grad is not None for x in xs)


def test_cam_weights_are_a_softmax_over_sources():
    layer = AFF([4, 4], 4, spatial=True, forms=("sum",), map_attention="ms_cam", init_form="cam")
    with torch.no_grad():  # logits all zero: equal weights, the mean of the projections
        for branch in (layer.cam_global, layer.cam_local):
            branch[-1].weight.zero_()
            branch[-1].bias.zero_()
    xs = [torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)]
    expected = (layer.projs[0](xs[0]) + layer.projs[1](xs[1])) / 2
    torch.testing.assert_close(layer(xs), expected)


def test_gradients_reach_the_mixing_at_init_and_every_form_after_a_step():
    torch.manual_seed(0)
    layer = AFF(IN_DIMS, OUT)
    xs = _vectors()
    layer(xs).square().mean().backward()
    assert layer.mix.weight.grad.abs().sum() > 0  # the gate moves from the first step
    with torch.no_grad():
        for p in layer.parameters():
            p -= 0.1 * p.grad
    layer.zero_grad()
    layer(xs).square().mean().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert not torch.allclose(layer.last_mix[:, 1:], torch.zeros(7, 2))


def test_repr():
    assert repr(AFF([16, 32], 64)) == "AFF([16, 32], 64)"
    assert repr(AFF([16, 32], 64, forms=("sum", "attention"))) == (
        "AFF([16, 32], 64, forms=('sum', 'attention'))")
    assert repr(AFF([16, 32], 64, init_form="sum")) == "AFF([16, 32], 64, init_form='sum')"
    assert repr(AFF([16, 32], 64, spatial=True, map_attention="ms_cam")) == (
        "AFF([16, 32], 64, spatial=True, map_attention='ms_cam')")


def test_old_arguments_still_work():
    layer = make_fusion("aff", [3, 3], 8, meta_gate=False, graph_mixing=False, aux_classes=2,
                        source_dropout=0.1)
    layer.set_aux_targets(torch.tensor([0, 1, 1, 0]))
    assert layer([torch.randn(4, 3), torch.randn(4, 3)]).shape == (4, 8)
    assert layer.aux_loss is not None


def test_aux_heads_without_the_attention_form():
    layer = AFF([3, 3], 8, forms=("product", "sum"), aux_classes=2)
    layer.set_aux_targets(torch.tensor([0, 1, 1, 0]))
    layer([torch.randn(4, 3), torch.randn(4, 3)])
    assert layer.aux_loss is not None and layer.last_weights is None


@pytest.mark.parametrize("kwargs,match", [
    ({"forms": ("product", "bilinear")}, "'product', 'sum', 'attention'"),
    ({"forms": "product"}, "non-empty sequence"),
    ({"forms": ()}, "non-empty sequence"),
    ({"init_form": "concat"}, "'product', 'sum', 'attention'"),
    ({"forms": ("sum",), "init_form": "product"}, "one of {'sum'}"),
    ({"map_attention": "pixel"}, "'none', 'channel', 'spatial', 'ms_cam'"),
    ({"map_attention": "spatial"}, "needs spatial=True"),
    ({"map_attention": "ms_cam"}, "needs spatial=True"),
    ({"cam_reduction": 0}, "cam_reduction"),
])
def test_bad_options_list_the_choices(kwargs, match):
    with pytest.raises(InvalidParameterError, match=match.replace("{", r"\{").replace("}", r"\}")):
        AFF(IN_DIMS, OUT, **kwargs)


def test_init_form_default_follows_forms():
    assert AFF([4], 4, forms=("sum", "attention")).init_form == "sum"
    assert AFF([4], 4, forms=("attention",)).mix is None
