"""FusionCNN, FusionRNN and FusionGNN: shapes, embed, every fusion at the fusion point, errors."""

import pytest
import torch
from torch_geometric.data import Batch, Data

from fuselearn.exceptions import InvalidInputError, InvalidParameterError, UnknownNameError
from fuselearn.nn import FUSIONS, FusionCNN, FusionGNN, FusionRNN, get_module_spec

NAMES = sorted(f for f in FUSIONS if not f.startswith("test_"))


def _graphs(n=4, width=3):
    out = []
    for k in range(n):
        m = 2 + k
        src = torch.arange(m - 1)
        edge_index = torch.stack([torch.cat([src, src + 1]), torch.cat([src + 1, src])])
        out.append(Data(x=torch.randn(m, width), edge_index=edge_index))
    return Batch.from_data_list(out)


@pytest.mark.parametrize("spatial", [True, False])
@pytest.mark.parametrize("fusion", NAMES)
def test_cnn_every_fusion(fusion, spatial):
    net = FusionCNN(3, 4, channels=(4, 8), fusion_dim=6, fusion=fusion, spatial=spatial)
    x = torch.randn(2, 3, 8, 8)
    assert net(x).shape == (2, 4)
    assert net.embed(x).shape == (2, 6)


@pytest.mark.parametrize("fusion", NAMES)
def test_rnn_every_fusion(fusion):
    net = FusionRNN(20, 3, embed_dim=4, hidden_size=5, fusion_dim=6, fusion=fusion)
    tokens = torch.tensor([[3, 4, 5, 0], [7, 0, 0, 0], [0, 0, 0, 0]])
    assert net(tokens).shape == (3, 3)
    assert net.embed(tokens).shape == (3, 6)


@pytest.mark.parametrize("fusion", NAMES)
def test_gnn_every_fusion(fusion):
    net = FusionGNN(3, 2, hidden=8, num_layers=2, fusion=fusion)
    batch = _graphs()
    assert net(batch).shape == (4, 2)
    assert net.embed(batch).shape == (4, 8)


def test_gradients_reach_every_parameter():
    torch.manual_seed(0)
    nets = [
        (FusionCNN(3, 2, channels=(4, 8), fusion_dim=6), torch.randn(4, 3, 8, 8)),
        (FusionRNN(20, 2, embed_dim=4, hidden_size=5, cell="gru", bidirectional=True),
         torch.tensor([[3, 4, 5, 0], [7, 9, 0, 0], [1, 2, 3, 4]])),
        (FusionGNN(3, 2, hidden=8, num_layers=2, conv="gcn"), _graphs()),
    ]
    for net, x in nets:
        net(x).square().mean().backward()
        missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
        # the padding row of the embedding is fixed at zero by design
        assert missing in ([], ["embedding.weight"]) or all("embedding" in m for m in missing), missing


def test_rnn_padding_does_not_change_the_output():
    net = FusionRNN(20, 2, embed_dim=4, hidden_size=5).eval()
    short = torch.tensor([[3, 4, 5]])
    padded = torch.tensor([[3, 4, 5, 0, 0, 0]])
    torch.testing.assert_close(net(short), net(padded))
    torch.testing.assert_close(FusionRNN.lengths(torch.tensor([[1, 0, 2, 0], [0, 0, 0, 0]])), torch.tensor([3, 1]))


def test_reprs():
    assert repr(FusionCNN(3, 10, channels=(8, 16))) == "FusionCNN(3, 10, channels=(8, 16), fusion='aff')"
    assert repr(FusionRNN(100, 2)) == "FusionRNN(100, 2, cell='lstm', num_layers=2, fusion='aff')"
    assert repr(FusionGNN(4, 2, hidden=8)) == "FusionGNN(4, 2, hidden=8, num_layers=3, conv='gin', fusion='aff')"


def test_registered_modules():
    assert get_module_spec("cnn").input_kind == "image"
    assert get_module_spec("rnn").input_kind == "sequence"
    assert get_module_spec("gnn").input_kind == "graph"


def test_deterministic_under_seed():
    outs = []
    for _ in range(2):
        torch.manual_seed(1)
        net = FusionGNN(3, 2, hidden=8).eval()
        outs.append(net(_graphs()))
    torch.testing.assert_close(outs[0], outs[1])


def test_aux_tasks_give_aux_loss():
    net = FusionGNN(3, 2, hidden=8, aux_tasks=True).train()
    net.set_aux_targets(torch.tensor([0, 1, 0, 1]))
    net(_graphs())
    assert net.fusion.aux_loss is not None
    cnn = FusionCNN(3, 2, channels=(4, 8), fusion_dim=6, aux_tasks=True).train()
    cnn.set_aux_targets(torch.tensor([0, 1]))
    cnn(torch.randn(2, 3, 8, 8))
    assert cnn.fusion.aux_loss is not None


def test_aux_tasks_need_aff():
    with pytest.raises(InvalidParameterError, match="aux_classes"):
        FusionCNN(3, 2, channels=(4,), fusion="concat", aux_tasks=True)


def test_backbone_errors():
    with pytest.raises(UnknownNameError, match="Valid names"):
        FusionCNN(3, 2, fusion="nope")
    with pytest.raises(InvalidParameterError):
        FusionRNN(20, 2, cell="transformer")
    with pytest.raises(InvalidParameterError):
        FusionGNN(3, 2, conv="gat")
    with pytest.raises(InvalidParameterError):
        FusionCNN(3, 2, channels=())
    with pytest.raises(InvalidInputError, match=r"\(batch, L\)"):
        FusionRNN(20, 2)(torch.zeros(3, dtype=torch.long))


def test_no_nan_on_extreme_images():
    net = FusionCNN(3, 2, channels=(4, 8), fusion_dim=6).eval()
    for x in (1e4 * torch.randn(2, 3, 8, 8), torch.zeros(2, 3, 8, 8)):
        assert torch.isfinite(net(x)).all()
