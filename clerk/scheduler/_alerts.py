"""Alerts: a run with failed items, or a run that failed as a whole, is told to people.

Two channels, each optional: e-mail over SMTP (smtplib) and a webhook (an HTTP POST of
JSON). Every text passes through the Redactor first, so a secret the run met never
leaves the machine. Delivering an alert never raises: a broken mail server must not stop
the runner; the failure is logged and returned.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage

from loguru import logger

from clerk._secrets import REDACTOR
from clerk.scheduler._settings import AlertSettings
from clerk.scheduler._verdict import RunSummary


class Alerter:
    """Sends a RunSummary to every configured channel.

    Example:
        Alerter(config.alerts).send(summary)   # -> ["email", "webhook"], the channels that took it
    """

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings

    @property
    def channels(self) -> list[str]:
        return [name for name, on in (("email", self.settings.email), ("webhook", bool(self.settings.webhook_url)))
                if on]

    def send(self, summary: RunSummary) -> tuple[list[str], list[str]]:
        """Returns the channels that accepted the alert and the errors of those that did not."""
        sent: list[str] = []
        errors: list[str] = []
        for channel, deliver in (("email", self._email), ("webhook", self._webhook)):
            if channel not in self.channels:
                continue
            try:
                deliver(summary)
            except (OSError, smtplib.SMTPException, ValueError) as err:
                message = REDACTOR.scrub(f"{channel}: {type(err).__name__}: {err}")
                logger.bind(bot=summary.job).error("the alert could not be delivered by {}", message)
                errors.append(message)
            else:
                sent.append(channel)
        return sent, errors

    def _email(self, summary: RunSummary) -> None:
        s = self.settings
        message = EmailMessage()
        message["Subject"] = REDACTOR.scrub(summary.subject)
        message["From"] = s.mail_from
        message["To"] = ", ".join(s.mail_to)
        message.set_content(summary.text())
        timeout = s.timeout.total_seconds()
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        with smtp:
            if s.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_user and s.smtp_password is not None:
                smtp.login(s.smtp_user, s.smtp_password.reveal())
            smtp.send_message(message)

    def _webhook(self, summary: RunSummary) -> None:
        body = json.dumps({"event": "clerk.run_needs_attention", "subject": REDACTOR.scrub(summary.subject),
                           "text": summary.text(), **summary.as_dict()}).encode("utf-8")
        request = urllib.request.Request(self.settings.webhook_url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "clerk-runner"})
        with urllib.request.urlopen(request, timeout=self.settings.timeout.total_seconds()) as response:
            if not 200 <= response.status < 300:
                raise ValueError(f"the webhook answered HTTP {response.status}")
