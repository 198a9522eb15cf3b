"""AFF: its components switch off one by one, weights, auxiliary heads and source dropout."""

import itertools

import pytest
import torch

from fuselearn.exceptions import InvalidInputError, InvalidParameterError
from fuselearn.nn import AFF, TrainConfig, make_fusion, train_module

FLAGS = ("linear", "nonlinear", "data_weights", "model_weights", "graph_mixing", "meta_gate")


def test_repr():
    assert repr(AFF([16, 32], 64)) == "AFF([16, 32], 64)"
    assert repr(AFF([16, 32], 64, meta_gate=False)) == "AFF([16, 32], 64, meta_gate=False)"


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("off", FLAGS[1:])
def test_each_component_can_be_switched_off(off, spatial):
    layer = AFF([4, 6], 5, spatial=spatial, **{off: False})
    xs = [torch.randn(3, 4, 4, 4), torch.randn(3, 6, 2, 2)] if spatial else [torch.randn(3, 4), torch.randn(3, 6)]
    out = layer(xs)
    assert out.shape == ((3, 5, 2, 2) if spatial else (3, 5))
    out.square().mean().backward()
    assert all(p.grad is not None for p in layer.parameters())


def test_all_components_off_but_linear():
    layer = AFF([4, 6], 5, **{k: False for k in FLAGS[1:]})
    out = layer([torch.randn(3, 4), torch.randn(3, 6)])
    torch.testing.assert_close(layer.last_weights, torch.full((3, 2), 0.5))
    assert out.shape == (3, 5)


def test_needs_a_fusion_function():
    with pytest.raises(InvalidParameterError, match="at least one fusion function"):
        AFF([4], 4, linear=False, nonlinear=False)


@pytest.mark.parametrize("value", [-0.1, 1.0, "x"])
def test_bad_source_dropout(value):
    with pytest.raises(InvalidParameterError):
        AFF([4], 4, source_dropout=value)


def test_last_weights_and_gate():
    layer = AFF([4, 6, 8], 5)
    layer([torch.randn(7, 4), torch.randn(7, 6), torch.randn(7, 8)])
    assert layer.last_weights.shape == (7, 3)
    torch.testing.assert_close(layer.last_weights.sum(1), torch.ones(7))
    assert layer.last_gate.shape == (7, 3)  # linear sum, non-linear sum, max


def test_per_position_weights_for_maps():
    layer = AFF([4, 6], 5, spatial=True)
    layer([torch.randn(2, 4, 4, 4), torch.randn(2, 6, 4, 4)])
    assert layer.last_weights.shape == (2, 2)


def test_source_dropout_only_in_training():
    torch.manual_seed(0)
    layer = AFF([4, 4, 4], 5, source_dropout=0.6)
    xs = [torch.randn(50, 4) for _ in range(3)]
    layer.train()
    layer(xs)
    assert (layer.last_weights == 0).any()  # some sources dropped
    assert (layer.last_weights.sum(1) - 1).abs().max() < 1e-5  # never all
    layer.eval()
    layer(xs)
    assert (layer.last_weights > 0).all()


def test_aux_loss_needs_targets_and_training():
    layer = AFF([4, 6], 5, aux_classes=3)
    xs = [torch.randn(4, 4), torch.randn(4, 6)]
    layer.train()
    layer(xs)
    assert layer.aux_loss is None  # no targets given
    layer.set_aux_targets(torch.tensor([0, 1, 2, 1]))
    layer(xs)
    assert layer.aux_loss is not None and layer.aux_loss.ndim == 0
    layer.aux_loss.backward()
    assert layer.aux_weight.grad is not None
    layer(xs)
    assert layer.aux_loss is None  # targets are used once
    layer.eval()
    layer.set_aux_targets(torch.tensor([0, 1, 2, 1]))
    layer(xs)
    assert layer.aux_loss is None


def test_aux_regression_head_and_bad_rows():
    layer = AFF([4, 6], 5, aux_classes=1)
    layer.set_aux_targets(torch.randn(4))
    layer([torch.randn(4, 4), torch.randn(4, 6)])
    assert layer.aux_loss is not None
    layer.set_aux_targets(torch.randn(3))
    with pytest.raises(InvalidInputError, match="3 rows"):
        layer([torch.randn(4, 4), torch.randn(4, 6)])


class _Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fusion = make_fusion("aff", [3, 3], 8, aux_classes=2)
        self.head = torch.nn.Linear(8, 2)
        self.seen = 0

    def set_aux_targets(self, target):
        self.seen += 1
        self.fusion.set_aux_targets(target)

    def forward(self, x):
        return self.head(self.fusion([x[:, :3], x[:, 3:]]))


def test_train_module_feeds_aux_targets():
    X, y = torch.randn(40, 6), (torch.rand(40) > 0.5).long()
    net = _Net()
    train_module(net, X, y, loss_fn=torch.nn.functional.cross_entropy,
                 config=TrainConfig(max_epochs=2, batch_size=16, patience=None), seed=0)
    assert net.seen == 6  # 3 batches x 2 epochs


@pytest.mark.parametrize("combo", list(itertools.combinations(FLAGS[2:], 2)))
def test_ablation_pairs_are_finite(combo):
    layer = AFF([4, 6], 5, **{k: False for k in combo})
    assert torch.isfinite(layer([1e4 * torch.randn(3, 4), torch.zeros(3, 6)])).all()


@pytest.mark.slow
def test_torch_compile():
    layer = AFF([4, 6], 5)
    xs = [torch.randn(3, 4), torch.randn(3, 6)]
    expected = layer(xs)
    compiled = torch.compile(layer)
    torch.testing.assert_close(compiled(xs), expected, rtol=1e-4, atol=1e-5)
