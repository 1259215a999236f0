"""Alerts: logged always, and posted as JSON to a webhook when one is configured.

A failing webhook never stops trading: the alert is still logged and recorded, with the
delivery error in its ``delivered`` field.
"""

from __future__ import annotations

import json
import logging
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

log = logging.getLogger("drilldown.alerts")

KINDS = ("halted", "reconciliation", "rejected", "broker")


@dataclass
class Alerter:
    """Raise alerts to the log and an optional webhook.

    Parameters
    ----------
    webhook_url
        Where to POST ``{"kind", "message", "ts", "details"}``; None logs only.
    timeout
        Seconds to wait for the webhook.
    """

    webhook_url: str | None = None
    timeout: float = 3.0
    sent: list[dict[str, Any]] = field(default_factory=list)

    def raise_alert(
        self, kind: str, message: str, ts: datetime, details: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Log the alert, post it to the webhook, and return its ``trading.alerts`` record."""
        if kind not in KINDS:
            raise ValueError(f"unknown alert kind {kind!r}")
        log.warning("ALERT %s: %s", kind, message)
        delivered = "log"
        if self.webhook_url:
            body = json.dumps(
                {"kind": kind, "message": message, "ts": ts.isoformat(), "details": details or {}},
                default=str,
            ).encode()
            request = urllib.request.Request(
                self.webhook_url,
                data=body,
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                    delivered = f"log+webhook ({reply.status})"
            except Exception as exc:  # an alert channel must never stop trading
                delivered = f"log; webhook failed: {type(exc).__name__}: {exc}"
                log.error("alert webhook failed: %s", exc)
        record = {
            "alert_id": uuid.uuid4().hex,
            "ts": ts,
            "kind": kind,
            "message": message,
            "delivered": delivered,
        }
        self.sent.append(record)
        return record
