"""The verdict of a sweep: one line a user can act on, from PBO, DSR and the walk-forward.

Requires the probability of backtest overfitting, the deflated Sharpe ratio
of the best variant, the number of distinct trials, and the Sharpe ratios of
the walk-forward and of the best variant on the same test days; for a
strategy that reads signals, all of them measured on the return over the
neutral twin, and the walk-forward's return over the twin out of sample. Produces a
:class:`Verdict` (a level and a sentence that quotes those facts).
"""

from __future__ import annotations

import enum
import math

from macropatch.marketdata.documents import Document

__all__ = ["Verdict", "VerdictLevel", "sweep_verdict"]


class VerdictLevel(enum.Enum):
    """How far a sweep's best setting can be trusted."""

    GOOD = "good"
    CAUTION = "caution"
    BAD = "bad"


class Verdict(Document):
    """A level and one sentence."""

    level: VerdictLevel
    text: str


def sweep_verdict(
    *,
    pbo: float,
    dsr: float,
    trials: int,
    oos_sharpe: float,
    same_days_sharpe: float,
    oos_active: float | None = None,
) -> Verdict:
    """Judge a sweep.

    Parameters
    ----------
    pbo
        Probability of backtest overfitting (NaN when it could not be measured).
    dsr
        Deflated Sharpe ratio of the best variant over ``trials`` trials.
    trials
        Distinct variants tried.
    oos_sharpe, same_days_sharpe
        Sharpe ratios of the walk-forward out of sample and of the best
        variant in hindsight on the same days.
    oos_active
        For a strategy that reads signals: the walk-forward's annualised
        return over the neutral twins of the variants it chose, out of sample.
        The sweep was then judged on active returns (every number above is of
        the return over the twin); None: judged on raw returns, against zero.

    Returns
    -------
    Verdict
        ``bad`` when the ranking does not carry out of sample (PBO above
        0.5), the best Sharpe ratio is within the luck of ``trials`` tries
        (DSR below 0.95), or, against the twin, the tuned signals did not beat
        the twin out of sample; ``caution`` when PBO is above 0.2; ``good``
        otherwise.
    """
    against_twin = oos_active is not None
    ratio = "information ratio over the twin" if against_twin else "Sharpe ratio"
    facts = (
        f"PBO {pbo:.2f}, deflated Sharpe {dsr:.2f}; out of sample the walk-forward made "
        + (f"{oos_active:+.2%}/yr over the twin, an " if oos_active is not None else "a ")
        + f"{ratio} of {oos_sharpe:.2f}, the best variant in hindsight {same_days_sharpe:.2f} "
        "on the same days"
    )
    if not (math.isfinite(pbo) and math.isfinite(dsr)) or pbo > 0.5:
        edge = (
            "The signals' edge over the twin survives the search, but tuning it does not help"
            if against_twin and math.isfinite(dsr) and dsr >= 0.95
            else "Tuning does not help"
        )
        return Verdict(
            level=VerdictLevel.BAD,
            text=f"{edge}: the variant that ranks best in sample usually ranks below the "
            "median out of sample, so the best setting here is luck; keep the defaults or "
            f"choose them by reasoning, not by this sweep ({facts}).",
        )
    if oos_active is not None and not oos_active > 0.0:
        return Verdict(
            level=VerdictLevel.BAD,
            text="Tuning does not beat the neutral twin: out of sample the chosen signals "
            f"added nothing over the same strategy with its signals held quiet ({facts}).",
        )
    if dsr < 0.95:
        luck = "its return over the twin" if against_twin else "its Sharpe ratio"
        return Verdict(
            level=VerdictLevel.BAD,
            text=f"Do not trust the best variant: {luck} is within what the luck of "
            f"trying {trials} variants would give ({facts}).",
        )
    if pbo > 0.2:
        return Verdict(
            level=VerdictLevel.CAUTION,
            text="Weak evidence: the ranking carries out of sample only in part; prefer a "
            f"setting with good neighbours on the heatmaps ({facts}).",
        )
    return Verdict(level=VerdictLevel.GOOD, text=f"The tuning holds up out of sample ({facts}).")
