"""An assignment's late policy, as its metadata states it (`[late_policy]` in assignment.toml) or the command
line overrides it. Applying it to submission times is the gradebooks' business (`gradebooks.late`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from autograder.core.errors import AutograderError

BASES = ("score", "max")


@dataclass(frozen=True)
class LatePolicy:
    """How lateness costs points.

    `percent_per_day` is taken off for every started day past the due date
    (once past `grace_minutes`), up to `max_percent`; past `zero_after_days`
    days the submission gets zero. `basis` says what the percent is of: the
    points the submission earned ("score") or the assignment's points ("max").
    """

    grace_minutes: float = 0.0
    percent_per_day: float = 0.0
    max_percent: float = 100.0
    zero_after_days: float | None = None
    basis: str = "score"
    unknown_days: float = 1.0

    def describe(self) -> str:
        parts = [f"{self.percent_per_day:g}% of the {'points earned' if self.basis == 'score' else 'points possible'}"
                 f" per started day late, at most {self.max_percent:g}%"]
        if self.grace_minutes:
            parts.append(f"{self.grace_minutes:g} min grace")
        if self.zero_after_days is not None:
            parts.append(f"zero after {self.zero_after_days:g} days")
        return ", ".join(parts)


def _number(value, key: str, where: str, minimum: float = 0.0, maximum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise AutograderError(f"{where}: late_policy.{key} must be a number, got {value!r}") from None
    value = float(value)
    if not math.isfinite(value) or value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f">= {minimum:g}"
        raise AutograderError(f"{where}: late_policy.{key} must be {bound}, got {value:g}")
    return value


def parse_late_policy(table, where: str) -> LatePolicy | None:
    """The `[late_policy]` table of assignment.toml (or a CLI override) as a policy; None when absent."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise AutograderError(f"{where}: late_policy must be a table, like [late_policy]")
    known = {f.name for f in fields(LatePolicy)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise AutograderError(f"{where}: unknown late_policy key(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(known))}")
    values = {}
    for key, value in table.items():
        if key == "basis":
            if value not in BASES:
                raise AutograderError(f"{where}: late_policy.basis must be one of {', '.join(BASES)}, got {value!r}")
            values[key] = value
        elif key in ("percent_per_day", "max_percent"):
            values[key] = _number(value, key, where, maximum=100.0)
        else:
            values[key] = _number(value, key, where)
    return LatePolicy(**values)


def parse_override(text: str, base: LatePolicy | None) -> LatePolicy:
    """`key=value,key=value` from the command line, on top of the assignment's policy."""
    table = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep:
            raise AutograderError(f"--late-policy: {part!r} is not key=value (e.g. percent_per_day=10)")
        table[key.strip()] = value.strip()
    override = parse_late_policy(table, "--late-policy")
    if base is None:
        return override
    return replace(base, **{k: getattr(override, k) for k in table})
