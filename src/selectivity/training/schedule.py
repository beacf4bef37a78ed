"""alpha over time: a run's schedule says, per epoch, which multiple of its alpha the regularizer uses.

A schedule is a list of segments ``{"epochs": n, "scale": s}`` (the last may leave out ``epochs``: it
runs to the end of training); in epoch e (0-based) the loss is CE - alpha * s_e * mu_SI. The empty
schedule (the default) is alpha in every epoch, today's constant case, and keeps its run hashes.
E.g. with alpha = -20 and 20 epochs, ``early = [{"epochs": 5, "scale": 1}, {"scale": 0}]`` regularizes
the first 5 epochs only, ``late = [{"epochs": 5, "scale": 0}, {"scale": 1}]`` the last 15
(the follow-up's "-20*5 0*15" and "0*5 -20*15", Ranadive et al. 2023). Keeping alpha as the run's
magnitude keeps every run on the alpha axis of the results layout and tables.
"""

from __future__ import annotations

import math

SEGMENT_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["scale"],
    "properties": {"epochs": {"type": "integer", "minimum": 1,
                              "description": "epochs of this segment (the last may leave it out: to the end)"},
                   "scale": {"type": "number", "description": "the multiple of alpha in these epochs"}},
}


def normalize_schedule(segments, epochs: int) -> tuple[tuple[int | None, float], ...]:
    """Check a schedule against the run's ``epochs``; returns it as ((epochs or None, scale), ...).

    Every segment but the last needs ``epochs``; the segments with ``epochs`` must not cover more than
    the run's epochs, and a schedule whose last segment has ``epochs`` must cover them exactly."""
    out = []
    for i, seg in enumerate(segments or ()):
        if isinstance(seg, dict):
            unknown = sorted(set(seg) - {"epochs", "scale"})
            if unknown or "scale" not in seg:
                raise ValueError(f"alpha_schedule segment {i} is {seg}: give {{epochs: n, scale: s}} "
                                 f"(epochs may be left out of the last segment)")
            n, scale = seg.get("epochs"), seg["scale"]
        else:
            n, scale = seg
        if n is not None and (int(n) != n or n < 1):
            raise ValueError(f"alpha_schedule segment {i}: epochs must be a whole number >= 1, got {n}")
        if not math.isfinite(float(scale)):
            raise ValueError(f"alpha_schedule segment {i}: scale must be a finite number, got {scale}")
        out.append((None if n is None else int(n), float(scale)))
    if not out:
        return ()
    if any(n is None for n, _ in out[:-1]):
        raise ValueError("alpha_schedule: only the last segment may leave out epochs (it runs to the end)")
    covered = sum(n for n, _ in out if n is not None)
    open_end = out[-1][0] is None
    if covered > epochs or (not open_end and covered != epochs) or (open_end and covered >= epochs):
        raise ValueError(f"alpha_schedule covers {covered} epochs{' before its open last segment' if open_end else ''}"
                         f" but the run trains {epochs}: make the segments fit (leave out the last segment's "
                         f"epochs to run it to the end)")
    return tuple(out)


def schedule_dicts(schedule: tuple[tuple[int | None, float], ...]) -> list[dict]:
    """The schedule as the config writes it: [{"epochs": n, "scale": s}, ...] (no epochs: to the end)."""
    return [({"epochs": n} if n is not None else {}) | {"scale": s} for n, s in schedule]


def epoch_scales(schedule: tuple[tuple[int | None, float], ...], epochs: int) -> list[float]:
    """The scale of alpha in each of the run's epochs [epochs] (1.0 throughout for the empty schedule)."""
    if not schedule:
        return [1.0] * epochs
    scales = [s for n, s in schedule for _ in range(n if n is not None else 0)]
    return scales + [schedule[-1][1]] * (epochs - len(scales))
