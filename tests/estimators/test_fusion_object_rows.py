"""FusionClassifier on rows that are not tabular (a list of graphs): the members read them."""

from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from fuselearn import FusionClassifier
from fuselearn.exceptions import InvalidInputError, MemberFitError
from fuselearn.extract import WLFeatures


def _graph(n, cycle):
    edges = [(i, i + 1) for i in range(n - 1)] + ([(n - 1, 0)] if cycle else [])
    e = np.array(edges).T
    return SimpleNamespace(edge_index=np.hstack([e, e[::-1]]), node_labels=np.zeros(n, int))


def _data():
    graphs = [_graph(n, cycle) for n in range(4, 14) for cycle in (True, False)]
    return graphs, np.array([int(g.edge_index.shape[1] == 2 * g.node_labels.size) for g in graphs])


@pytest.mark.parametrize("method", ["mean", "stacking"])
def test_fusion_of_graph_members_on_a_list_of_graphs(method):
    graphs, y = _data()
    members = [("wl1", make_pipeline(WLFeatures(n_iter=1), LogisticRegression())),
               ("wl2", make_pipeline(WLFeatures(n_iter=2), LogisticRegression()))]
    fusion = FusionClassifier(members, method=method, cv=2, random_state=0).fit(graphs, y)
    assert fusion.predict_proba(graphs).shape == (len(graphs), 2)
    assert fusion.score(graphs, y) == 1.0  # cycles and paths differ after one WL round
    assert fusion.member_outputs(graphs[:3]).shape == (2, 3, 2)


def test_a_member_that_cannot_read_the_rows_is_named():
    with pytest.raises(MemberFitError, match="member 'wl'.*edge_index"):
        FusionClassifier([("wl", make_pipeline(WLFeatures(), LogisticRegression()))], cv=2).fit(
            ["a text", "another", "third", "fourth"], [0, 1, 0, 1])


def test_numeric_lists_are_still_checked_as_tables():
    with pytest.raises(InvalidInputError):
        FusionClassifier([("lr", LogisticRegression())], cv=2).fit([1.0, 2.0, 3.0, 4.0], [0, 1, 0, 1])
