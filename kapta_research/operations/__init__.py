"""Running the programme well: closing the loop, VOC cadence, benchmarks, sample sizes, employee NPS.

* :func:`closed_loop`, :func:`loop_effect` -- time to follow-up (Kaplan-Meier),
  share within each SLA, median; next-wave score by follow-up in time (:mod:`.loop`).
* :func:`voc_cadence`, :func:`voc_overdue` -- VOC interview cadence per account
  and the overdue list (:mod:`.cadence`).
* :func:`benchmark` -- NPS against benchmark rows (:mod:`.benchmarks`; example
  figures in ``data/benchmarks/example.csv``).
* :func:`plan_sample`, :func:`margin_for` -- responses needed for a margin of
  error, with design effect and finite-population correction (:mod:`.planning`).
* :func:`employee_nps`, :func:`enps_vs_nps` -- eNPS by team and its association
  with the team's customer NPS (:mod:`.employees`).
"""
from ._common import data_as_of
from .benchmarks import BENCHMARK_CAVEAT, EXAMPLE_BENCHMARKS, benchmark, read_benchmarks
from .cadence import CADENCE_STATUSES, CadenceResult, voc_cadence, voc_overdue
from .employees import EnpsLinkResult, employee_nps, enps_vs_nps, team_accounts
from .loop import LOOP_EFFECT_CAVEAT, ClosedLoopResult, LoopEffectResult, closed_loop, loop_effect
from .planning import icc_anova, margin_for, plan_sample

__all__ = ["data_as_of", "voc_cadence", "voc_overdue", "CadenceResult", "CADENCE_STATUSES",
           "closed_loop", "ClosedLoopResult", "loop_effect", "LoopEffectResult",
           "employee_nps", "enps_vs_nps", "EnpsLinkResult", "team_accounts", "benchmark", "read_benchmarks",
           "BENCHMARK_CAVEAT", "EXAMPLE_BENCHMARKS", "LOOP_EFFECT_CAVEAT", "plan_sample", "margin_for",
           "icc_anova"]
