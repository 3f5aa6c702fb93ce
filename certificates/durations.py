"""Durations as a Norwegian reader writes them: ``55 min``, ``1 t``, ``1 t 30 min``.

The one formatter for every place a learner sees a module's estimated time (the
course pages and the certificate), so the figures read the same everywhere.
Whole minutes, never rounded: the certificate's rows then add up to its total
exactly, which decimal hours (0,92 + 0,83 ...) or rounded half hours do not.
``t`` and ``min`` are Språkrådet's abbreviations for time and minutt, the same in
bokmål and nynorsk.
"""

from __future__ import annotations


def format_duration(minutes: int) -> str:
    """``45`` -> ``45 min``, ``60`` -> ``1 t``, ``425`` -> ``7 t 5 min``."""
    if minutes < 0:
        raise ValueError(f"a duration cannot be negative: {minutes}")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} t {rest} min" if rest else f"{hours} t"
