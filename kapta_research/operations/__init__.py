"""Running the programme well: closing the loop, VOC cadence, benchmarks, sample sizes, employee NPS.

* :func:`closed_loop`, :func:`loop_effect` -- time to follow-up (Kaplan-Meier),
  share within each SLA, median; next-wave score by follow-up in time (:mod:`.loop`).
* :func:`voc_cadence`, :func:`voc_overdue` -- VOC interview cadence per account
  and the overdue list (:mod:`.cadence`).
* :func:`employee_nps`, :func:`enps_vs_nps` -- eNPS by team and its association
  with the team's customer NPS (:mod:`.employees`).
"""
from ._common import data_as_of
from .cadence import CADENCE_STATUSES, CadenceResult, voc_cadence, voc_overdue
from .employees import EnpsLinkResult, employee_nps, enps_vs_nps, team_accounts
from .loop import ClosedLoopResult, LoopEffectResult, closed_loop, loop_effect

__all__ = ["data_as_of", "voc_cadence", "voc_overdue", "CadenceResult", "CADENCE_STATUSES",
           "closed_loop", "ClosedLoopResult", "loop_effect", "LoopEffectResult",
           "employee_nps", "enps_vs_nps", "EnpsLinkResult", "team_accounts"]
