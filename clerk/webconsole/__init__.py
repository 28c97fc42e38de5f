"""``clerk console``: a small self-hosted web app over the ledger, the schedule and the recordings.

Nothing is imported here, so that ``clerk --help`` loads no web framework; the app is
built by ``clerk.webconsole._app.build_app``.
"""

from __future__ import annotations
