"""Text methods against the planted truth of a larger simulated programme (slow: CI runs them).

One programme of 2 400 accounts (another seed than the sample): dictionary
themes recover the planted memberships; NMF themes align with them; theme
impact recovers the planted effect and its intervals cover it.  Accounts are
simulated independently, so 40 disjoint blocks of 60 accounts are 40
independent small programmes for the coverage check.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from kapta_research.simulate import simulate_programme
from kapta_research.simulate._feedback import THEMES
from kapta_research.text import themes, theme_impact
from kapta_research.text._nmf import match_topics

pytestmark = pytest.mark.slow
PLANTED = list(THEMES)
N_BLOCKS, BLOCK = 40, 60


@pytest.fixture(scope="module")
def big():
    tables, truth = simulate_programme(seed=11, n_accounts=N_BLOCKS * BLOCK)
    resp = tables["responses"]
    planted = truth.comments.set_index("response_id")
    return resp, planted


@pytest.fixture(scope="module")
def found(big):
    return themes(big[0])


def _truth_memberships(resp, index, planted):
    tt = planted.loc[resp.loc[index, "response_id"]]
    return pd.DataFrame({t: tt[t].to_numpy() == 1 for t in PLANTED}, index=index)


def test_dictionary_precision_recall_per_theme(big, found):
    resp, planted = big
    truth = _truth_memberships(resp, found.memberships.index, planted)
    rows = []
    for t in PLANTED:
        y, yh = truth[t].to_numpy(), found.memberships[t].to_numpy()
        rows.append((t, int(y.sum()), (y & yh).sum() / yh.sum(), (y & yh).sum() / y.sum()))
    pr = pd.DataFrame(rows, columns=["theme", "n_planted", "precision", "recall"])
    print("\n" + pr.round(3).to_string(index=False))
    assert (pr[["precision", "recall"]] >= 0.8).all().all()


def test_nmf_themes_align_with_the_planted_ones(big):
    """Best one-to-one match (Hungarian) of NMF term vectors with each planted theme's TF-IDF centroid."""
    resp, planted = big
    nm = themes(resp, method="nmf", n_themes=12, random_state=4, stability_sample=3000)
    docs = resp.loc[nm.memberships.index, "comment"]
    truth = _truth_memberships(resp, nm.memberships.index, planted)
    vec = TfidfVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{3,}\b", sublinear_tf=True,
                          max_df=0.5, min_df=2)
    X = vec.fit_transform(docs)
    centroids = np.vstack([np.asarray(X[truth[t].to_numpy()].mean(axis=0)).ravel() for t in PLANTED])
    # the NMF term vectors in this vectoriser's vocabulary: refit on the same matrix for the comparison
    from sklearn.decomposition import NMF
    H = NMF(12, init="nndsvda", max_iter=400, random_state=0).fit(X).components_
    cos = match_topics(centroids, H)
    print("\nNMF alignment (cosine with the planted theme):", dict(zip(PLANTED, cos.round(2))),
          f"\nNMF stability over 10 restarts: mean {nm.stability:.3f}, per theme",
          nm.summary["stability"].round(2).tolist())
    assert (cos >= 0.5).sum() >= 5
    assert 0 < nm.stability <= 1


def test_theme_impact_recovers_the_planted_effect_with_coverage(big, found):
    resp, planted = big
    idx = found.memberships.index
    cols = ["pricing", "process"]
    truth_mem = _truth_memberships(resp, idx, planted)[cols]
    target = theme_impact(resp, truth_mem, n_boot=200, random_state=0).summary.set_index("theme")
    est = theme_impact(resp, found.memberships[cols], n_boot=200, random_state=0).summary.set_index("theme")
    print("\nplanted vs estimated\n", pd.concat({"planted": target[["nps_diff", "points"]],
                                                 "estimated": est[["nps_diff", "points"]]}, axis=1).round(2))
    for t in cols:
        assert np.sign(est.loc[t, "nps_diff"]) == np.sign(target.loc[t, "nps_diff"]) == -1
        assert abs(est.loc[t, "nps_diff"] - target.loc[t, "nps_diff"]) < 3
        assert abs(est.loc[t, "points"] - target.loc[t, "points"]) < 1
    accounts = np.array(sorted(resp["account_id"].unique()))   # accounts with responses
    hits = {"nps_diff": [], "points": []}
    for b in range(len(accounts) // BLOCK):
        block = resp[resp["account_id"].isin(accounts[b * BLOCK:(b + 1) * BLOCK])]
        th = themes(block)
        s = theme_impact(block, th.memberships[cols], n_boot=200, random_state=b).summary.set_index("theme")
        for t in cols:
            for stat in hits:
                if np.isfinite(s.loc[t, f"{stat}_ci_low"]):
                    hits[stat].append(s.loc[t, f"{stat}_ci_low"] <= target.loc[t, stat] <= s.loc[t, f"{stat}_ci_high"])
    cover = {k: float(np.mean(v)) for k, v in hits.items()}
    print(f"95 % CI coverage over {N_BLOCKS} programmes of {BLOCK} accounts x {len(cols)} themes:", cover,
          {k: len(v) for k, v in hits.items()})
    assert all(len(v) >= 0.8 * N_BLOCKS * len(cols) for v in hits.values())
    assert 0.88 <= cover["nps_diff"] <= 1.0
    assert 0.85 <= cover["points"] <= 1.0
