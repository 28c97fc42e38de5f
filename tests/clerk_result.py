"""What a ``clerk`` command run in a subprocess by an e2e test left behind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ClerkResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr
