"""Notification settings, from the environment (read here, not in config.py: this area's own).

NOTIFY_SENDER picks the senders: `log` (default: every channel recorded to the log), `sms`,
`wechat`, or a comma-separated list such as `sms,wechat` or `sms,log` (SMS through the gateway,
WeChat to the log). Only channels with a sender get outbox rows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

SMS = "SMS"
WECHAT = "WECHAT"
CHANNELS = (SMS, WECHAT)
WECHAT_API = "https://api.weixin.qq.com/cgi-bin/message/template/send"


class NotifyConfigError(RuntimeError):
    pass


@dataclass(frozen=True)
class NotifyConfig:
    senders: dict[str, str]  # channel → "log" | "sms" | "wechat"
    sms_url: str = ""
    sms_key: str = ""
    wechat_url: str = WECHAT_API
    wechat_template_id: str = ""
    wechat_token: str = ""
    max_attempts: int = 8
    backoff_seconds: float = 30.0  # the first retry's delay; doubles each attempt
    backoff_max_seconds: float = 3600.0
    lease_seconds: float = 120.0  # a claimed row is due again this long after its claim
    timeout_seconds: float = 10.0  # one call to a provider
    batch: int = 20
    poll_seconds: float = 5.0  # the longest an idle worker sleeps without a doorbell
    # SENT and FAILED rows older than this are deleted (the outbox grows by thousands a day);
    # the tracking page shows a resident only what is still kept.
    retention_days: int = 365
    run_worker: bool = True

    @property
    def channels(self) -> frozenset[str]:
        return frozenset(self.senders)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> NotifyConfig:
        env = os.environ if env is None else env
        names = [n.strip().lower() for n in env.get("NOTIFY_SENDER", "log").split(",") if n.strip()] or ["log"]
        unknown = set(names) - {"log", "sms", "wechat"}
        if unknown:
            raise NotifyConfigError(f"NOTIFY_SENDER: unknown sender {', '.join(sorted(unknown))} (use log, sms, wechat or a list)")
        senders = {SMS: "sms"} if "sms" in names else {}
        if "wechat" in names:
            senders[WECHAT] = "wechat"
        if "log" in names:
            for channel in CHANNELS:
                senders.setdefault(channel, "log")
        cfg = cls(
            senders=senders,
            sms_url=env.get("NOTIFY_SMS_URL", ""),
            sms_key=env.get("NOTIFY_SMS_KEY", ""),
            wechat_url=env.get("NOTIFY_WECHAT_URL", "") or WECHAT_API,
            wechat_template_id=env.get("NOTIFY_WECHAT_TEMPLATE_ID", ""),
            wechat_token=env.get("NOTIFY_WECHAT_TOKEN", ""),
            max_attempts=_number(env, "NOTIFY_MAX_ATTEMPTS", 8, int),
            backoff_seconds=_number(env, "NOTIFY_BACKOFF_SECONDS", 30.0, float),
            backoff_max_seconds=_number(env, "NOTIFY_BACKOFF_MAX_SECONDS", 3600.0, float),
            lease_seconds=_number(env, "NOTIFY_LEASE_SECONDS", 120.0, float),
            timeout_seconds=_number(env, "NOTIFY_TIMEOUT_SECONDS", 10.0, float),
            batch=_number(env, "NOTIFY_BATCH", 20, int),
            poll_seconds=_number(env, "NOTIFY_POLL_SECONDS", 5.0, float),
            retention_days=_number(env, "NOTIFY_RETENTION_DAYS", 365, int),
            run_worker=env.get("NOTIFY_WORKER", "1").strip().lower() not in {"0", "false", "no", "off"},
        )
        cfg.check()
        return cfg

    def check(self) -> None:
        if self.senders.get(SMS) == "sms" and not (self.sms_url and self.sms_key):
            raise NotifyConfigError("NOTIFY_SENDER includes sms, but NOTIFY_SMS_URL or NOTIFY_SMS_KEY is missing.")
        if self.senders.get(WECHAT) == "wechat" and not (self.wechat_template_id and self.wechat_token):
            raise NotifyConfigError("NOTIFY_SENDER includes wechat, but NOTIFY_WECHAT_TEMPLATE_ID or NOTIFY_WECHAT_TOKEN is missing.")
        if self.max_attempts < 1 or self.batch < 1:
            raise NotifyConfigError("NOTIFY_MAX_ATTEMPTS and NOTIFY_BATCH must be at least 1.")
        # A lease shorter than a call would let a second worker take a row still being sent.
        if self.lease_seconds < 2 * self.timeout_seconds:
            raise NotifyConfigError("NOTIFY_LEASE_SECONDS must be at least twice NOTIFY_TIMEOUT_SECONDS.")


def _number(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise NotifyConfigError(f"{name} must be a number, not {raw!r}.") from None
    if value <= 0:
        raise NotifyConfigError(f"{name} must be positive.")
    return value


@lru_cache(maxsize=1)
def current() -> NotifyConfig:
    """This process's settings, read once."""
    return NotifyConfig.from_env()
