"""Simulate a realistic B2B feedback programme with a documented truth.

The data-generating process is documented in the component modules:
:mod:`._core` (accounts, drivers, likelihood to recommend, churn, response
behaviour), :mod:`._feedback` (comments) and :mod:`._operations`
(follow-ups, VOC interviews).  Every component draws from its own random
stream (:func:`component_rng`), so extending one leaves the others'
data byte-identical.
"""
from ._core import (CATEGORIES, BETA_DETRACTOR_TO_PASSIVE, BETA_PASSIVE_TO_PROMOTER, CHURN_COEFS, SEGMENT_CONTACTS,
                    SEGMENTS, Truth, simulate_programme, write_programme)
from ._core import __doc__ as _core_doc
from ._streams import component_rng

__doc__ = (__doc__ or "") + "\n" + (_core_doc or "")
__all__ = ["CATEGORIES", "Truth", "simulate_programme", "write_programme", "component_rng",
           "BETA_DETRACTOR_TO_PASSIVE", "BETA_PASSIVE_TO_PROMOTER", "CHURN_COEFS",
           "SEGMENTS", "SEGMENT_CONTACTS"]
