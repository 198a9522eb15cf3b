"""FusionGNN's fusion_level: node embeddings fused per node (default) or graph read-outs per graph."""

import pytest
import torch
from torch_geometric.data import Batch, Data

from fuselearn.exceptions import InvalidParameterError
from fuselearn.nn import FusionGNN


def _graphs(n=4, width=3):
    out = []
    for k in range(n):
        m = 2 + k
        src = torch.arange(m - 1)
        edge_index = torch.stack([torch.cat([src, src + 1]), torch.cat([src + 1, src])])
        out.append(Data(x=torch.randn(m, width), edge_index=edge_index))
    return Batch.from_data_list(out)


@pytest.mark.parametrize("fusion", ["aff", "concat", "product"])
@pytest.mark.parametrize("level", ["graph", "node"])
def test_levels_shapes_and_gradients(level, fusion):
    torch.manual_seed(0)
    net = FusionGNN(3, 2, hidden=8, num_layers=2, fusion=fusion, fusion_level=level)
    g = _graphs()
    assert net.embed(g).shape == (4, 8)
    out = net(g)
    assert out.shape == (4, 2)
    torch.nn.functional.cross_entropy(out, torch.tensor([0, 1, 0, 1])).backward()
    assert all(p.grad is not None for p in net.convs.parameters())
    assert (net.source_norms is not None) == (level == "graph")


def test_graph_level_fuses_one_row_per_graph():
    assert FusionGNN(3, 2, hidden=8).fusion_level == "node"
    net = FusionGNN(3, 2, hidden=8, num_layers=2, fusion="aff", fusion_level="graph")
    seen = []
    net.fusion.register_forward_hook(lambda m, inp, out: seen.append(inp[0][0].shape[0]))
    g = _graphs()
    net(g)
    assert seen == [g.num_graphs]  # 4 graphs, 14 nodes
    net = FusionGNN(3, 2, hidden=8, num_layers=2, fusion="aff", fusion_level="node")
    net.fusion.register_forward_hook(lambda m, inp, out: seen.append(inp[0][0].shape[0]))
    net(g)
    assert seen[-1] == g.num_nodes


def test_graph_level_aux_targets_are_per_graph():
    net = FusionGNN(3, 2, hidden=8, aux_tasks=True, fusion_level="graph").train()
    net.set_aux_targets(torch.tensor([0, 1, 0, 1]))
    net(_graphs())
    assert net.fusion.aux_loss is not None


def test_repr_and_bad_level():
    assert repr(FusionGNN(4, 2, hidden=8)) == "FusionGNN(4, 2, hidden=8, num_layers=3, conv='gin', fusion='aff')"
    assert repr(FusionGNN(4, 2, hidden=8, fusion_level="graph")).endswith("fusion='aff', fusion_level='graph')")
    with pytest.raises(InvalidParameterError, match="'node', 'graph'"):
        FusionGNN(4, 2, fusion_level="edge")


def test_a_training_batch_of_one_graph_works():
    net = FusionGNN(3, 2, hidden=8, num_layers=2, fusion_level="graph").train()
    assert net(_graphs(n=1)).shape == (1, 2)
