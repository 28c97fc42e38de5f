"""The phases of a run, as the progress display and the run's log name them.

A large file spends minutes before its first item is entered (or before it is refused
whole); the phase tells the person watching what clerk is doing meanwhile.
"""

from __future__ import annotations

from enum import StrEnum


class RunPhase(StrEnum):
    READING = "reading the input"
    VALIDATING = "validating rows"
    PREFLIGHT = "checking rows in {app}"  # the bot's preflight: vendors, accounts...
    ENTERING = "entering items in {app}"
    DRY_RUN = "looking items up in {app}"
    WRITING = "writing the results workbook"
    SEALING = "sealing the recording"

    def describe(self, app: str = "") -> str:
        return self.value.format(app=app or "the application")
