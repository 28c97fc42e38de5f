"""Starting a desktop application whose window is gone, with the command the config names.

clerk attaches to an application that runs; when its window disappears mid-run (the
application crashed or was killed), the ``start_command`` of ``[apps.<name>]`` brings it
back. The command starts the application and returns (as sandbox/gnucash-up.sh does);
the driver then waits for the window. Its output goes to an unnamed temporary file, not a
pipe, so an application it leaves running in the background cannot hold the wait open.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from clerk._errors import ConfigError, FatalError

_SHOWN_OUTPUT = 600  # characters of the command's output quoted when it fails


@dataclass(frozen=True, slots=True, kw_only=True)
class StartCommand:
    """The command that starts the application (run in ``cwd``, the project folder) and how
    long it and the application's window may take."""

    argv: tuple[str, ...]
    timeout: dt.timedelta
    cwd: Path

    @classmethod
    def parse(cls, value: object, timeout: object, cwd: Path) -> StartCommand | None:
        """From ``start_command`` (a string split like a shell would, or a list) and
        ``start_timeout_s``; None when no command is configured.

        Raises:
            ConfigError: either value is malformed.
        """
        if value is None or value == "" or value == []:
            return None
        if isinstance(value, str):
            argv = shlex.split(value)
        elif isinstance(value, Sequence) and all(isinstance(part, str) for part in value):
            argv = list(value)
        else:
            raise ConfigError(f"start_command must be a command line or a list of words, got {value!r}")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise ConfigError(f"start_timeout_s must be a positive number of seconds, got {timeout!r}")
        return cls(argv=tuple(argv), timeout=dt.timedelta(seconds=timeout), cwd=cwd)

    def run(self, app: str, display: str) -> None:
        """Run the command to its end on ``display``.

        Raises:
            FatalError: it cannot be run, fails, or does not return in time.
        """
        line = shlex.join(self.argv)
        with tempfile.TemporaryFile() as output:
            try:
                done = subprocess.run(self.argv, cwd=self.cwd, env={**os.environ, "DISPLAY": display},
                                      stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                      timeout=self.timeout.total_seconds(), check=False)
            except subprocess.TimeoutExpired:
                raise FatalError(f"{app}: the start command `{line}` did not return within "
                                 f"{self.timeout.total_seconds():g}s (it must start {app} and return)") from None
            except OSError as err:
                raise FatalError(f"{app}: cannot run the start command `{line}`: {err}") from err
            if done.returncode != 0:
                output.seek(0)
                said = output.read().decode("utf-8", "replace").strip()[-_SHOWN_OUTPUT:]
                raise FatalError(f"{app}: the start command `{line}` failed (exit code {done.returncode}): {said}")
