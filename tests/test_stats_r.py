"""Golden values from R for kapta_research.stats (tests do not need R).

Computed with R 4.2.2 Patched (2022-11-10 r83330), survey 4.1.1, sandwich 3.0.2, on the
36-row data set below (written to d.csv with y = NPS code of ltr):

    library(survey); library(sandwich); d <- read.csv("d.csv")
    des <- svydesign(ids=~acc, weights=~w, data=d)
    svymean(~y, des)                                              # -0.27246992215145077, SE 0.095375851302668208
    svymean(~y, svydesign(ids=~acc, weights=~1, data=transform(d, one=1)))
                                                                  # -0.19444444444444442, SE 0.082094377899561727
    svycontrast(svyby(~y, ~grp, des, svymean, covmat=TRUE), c(-1, 1))
                                                                  # 0.10779589428181616, SE 0.3699389186154417
    sqrt(vcovCL(lm(y ~ 1, data=d, weights=w), cluster=~acc, type="HC1")[1, 1])
                                                                  # 0.095375851302668235
    prop.test(k, n, correct=FALSE)$conf.int                       # Wilson, see WILSON_R
"""
from __future__ import annotations

import numpy as np
import pytest

from kapta_research import rules
from kapta_research.stats import clustered, intervals

ACC = [3, 7, 8, 2, 1, 5, 6, 6, 5, 6, 8, 8, 8, 7, 6, 8, 0, 0, 7, 3, 6, 4, 8, 0, 6, 0, 1, 7, 2, 8, 3, 7, 8, 2,
       8, 6]
LTR = [10, 3, 5, 8, 10, 3, 5, 8, 9, 10, 2, 10, 1, 9, 9, 10, 9, 7, 6, 6, 0, 10, 10, 0, 6, 4, 8, 6, 6, 5, 1, 8,
       9, 2, 5, 0]
W = [0.69, 1.94, 0.7, 0.84, 1.07, 1.44, 1.67, 0.62, 1.9, 1.64, 0.98, 0.78, 1.39, 1.39, 0.9, 0.75, 1.65, 1.51,
     1.7, 0.83, 1.58, 0.61, 0.51, 0.77, 1.67, 1.31, 1.43, 1.39, 1.45, 0.98, 1.58, 0.52, 1.07, 0.58, 0.69, 1.86]
GRP = [0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0,
       0, 1]
Y = rules.category_codes(LTR)


def test_weighted_clustered_mean_equals_survey_svymean_and_sandwich_vcovcl():
    r = clustered.ratio_mean_variance(Y, np.array(W), cluster=ACC)
    assert r.estimate == pytest.approx(-0.27246992215145077, abs=1e-14)
    assert r.se == pytest.approx(0.095375851302668208, rel=1e-12)     # survey::svymean
    assert r.se == pytest.approx(0.095375851302668235, rel=1e-12)     # sandwich::vcovCL HC1
    assert r.n_clusters == 9


def test_unweighted_clustered_mean_equals_survey_svymean():
    r = clustered.ratio_mean_variance(Y, cluster=ACC)
    assert r.estimate == pytest.approx(-0.19444444444444442, abs=1e-14)
    assert r.se == pytest.approx(0.082094377899561727, rel=1e-12)


def test_difference_with_shared_clusters_equals_svycontrast_of_svyby():
    g = np.array(GRP)
    acc, w = np.array(ACC), np.array(W)
    r = clustered.ratio_mean_difference_variance(Y[g == 1], Y[g == 0], w_a=w[g == 1], w_b=w[g == 0],
                                                 cluster_a=acc[g == 1], cluster_b=acc[g == 0])
    assert r.estimate == pytest.approx(0.10779589428181616, abs=1e-14)
    assert r.se == pytest.approx(0.3699389186154417, rel=1e-12)


WILSON_R = [  # prop.test(k, n, correct=FALSE, conf.level)$conf.int, R 4.2.2
    (81, 263, 0.95, 0.25528851987827428, 0.36620957698280016),
    (0, 10, 0.95, 0.0, 0.27753279986288915),
    (10, 10, 0.95, 0.72246720013711085, 1.0),
    (3, 29, 0.95, 0.035814891350677051, 0.26385081090773793),
    (15, 148, 0.90, 0.067443262246871472, 0.14957293174640027),
]


@pytest.mark.parametrize("k, n, confidence, lo, hi", WILSON_R)
def test_wilson_equals_r_prop_test(k, n, confidence, lo, hi):
    a, b = intervals.wilson_interval(k, n, confidence=confidence)
    assert float(a) == pytest.approx(lo, abs=1e-13) and float(b) == pytest.approx(hi, abs=1e-13)
