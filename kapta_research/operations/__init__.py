"""Running the programme well: closing the loop, VOC cadence, benchmarks, sample sizes, employee NPS.

* :func:`voc_cadence`, :func:`voc_overdue` -- VOC interview cadence per account
  and the overdue list (:mod:`.cadence`).
"""
from ._common import data_as_of
from .cadence import CADENCE_STATUSES, CadenceResult, voc_cadence, voc_overdue

__all__ = ["data_as_of", "voc_cadence", "voc_overdue", "CadenceResult", "CADENCE_STATUSES"]
