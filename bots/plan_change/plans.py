"""The plans billing offers, and where a text names one of them, in any spelling.

A plan is a LedgerSMB price group, and its name is all billing knows of it (1.6 keeps
no code apart from the name). People write that name as they please: ``PRO-100``,
``pro 100``, ``Pro100``, ``the Pro-100 plan``, ``PRO-100-planen``. So a name is compared
as its runs of letters and of digits, in order, case ignored, with at most a space and
a dash between two runs. A price group named in words ("Gold Plan") is found the same way.

A word that looks like a plan code (letters, a dash, digits: ``GOLD-1``) but names no
offered plan is reported too, so a refusal can say that billing does not offer it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_RUN = re.compile(r"[^\W\d_]+|\d+")  # a run of letters, or of digits
_GAP = r"[ \t\u00a0]{0,3}[-_\u2010-\u2013]?[ \t\u00a0]{0,3}"  # between two runs: a few spaces, one dash
_ALONE_BEFORE = r"(?<![^\W_])"  # no letter or digit right before
_ALONE_AFTER = r"(?![^\W_])"  # ... or right after
_CODE_LIKE = re.compile(_ALONE_BEFORE + r"[^\W\d_]{2,}[-\u2010-\u2013]\d+" + _ALONE_AFTER)


@dataclass(frozen=True, slots=True)
class Mention:
    """Where a text names a plan. ``plan`` is billing's spelling, or for a code billing does
    not offer, the code as written, in capitals."""

    plan: str
    start: int
    end: int
    offered: bool


def _pattern(name: str) -> re.Pattern[str]:
    runs = _RUN.findall(name)
    return re.compile(_ALONE_BEFORE + _GAP.join(re.escape(run) for run in runs) + _ALONE_AFTER, re.IGNORECASE)


class PlanCatalogue:
    """The plans on offer, as billing lists them.

    Example:
        >>> plans = PlanCatalogue(["BASIC-10", "PRO-100"])
        >>> [m.plan for m in plans.mentions("move us onto the Pro 100 plan, not GOLD-1")]
        ['PRO-100', 'GOLD-1']
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names: tuple[str, ...] = tuple(dict.fromkeys(n.strip() for n in names if _RUN.search(n)))
        self._patterns = [(name, _pattern(name)) for name in self.names]

    def __repr__(self) -> str:
        return f"PlanCatalogue({list(self.names)!r})"

    def mentions(self, text: str) -> list[Mention]:
        """Every plan the text names, in the order written; where two offered names overlap
        (``PRO`` and ``PRO-100``), the longer one."""
        found = [Mention(name, m.start(), m.end(), offered=True)
                 for name, pattern in self._patterns for m in pattern.finditer(text)]
        found.sort(key=lambda m: (m.start, m.start - m.end))
        kept: list[Mention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        for match in _CODE_LIKE.finditer(text):
            if not any(m.start < match.end() and match.start() < m.end for m in kept):
                kept.append(Mention(match.group().upper(), match.start(), match.end(), offered=False))
        return sorted(kept, key=lambda m: m.start)

    def resolve(self, written: str) -> str | None:
        """The offered plan a value names, e.g. an export's plan column: ``"pro 100"`` is
        ``"PRO-100"``. None when it names none, or more than one."""
        offered = {m.plan for m in self.mentions(written) if m.offered}
        return offered.pop() if len(offered) == 1 else None

    def describe(self) -> str:
        return ", ".join(self.names) or "none"
