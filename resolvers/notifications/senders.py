"""Senders: one interface, one class per provider. `send` returns the provider's receipt or
raises RetryableSendError (try again later: the provider is down, busy or slow) or
PermanentSendError (this message will never go: a bad number, an unsubscribed account).

Every call carries the outbox row's idempotency key, so a provider that has the message already
(a worker died after sending, before recording it) does not send it twice.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from resolvers.masking import mask_phone
from resolvers.notifications.config import SMS, WECHAT, NotifyConfig

log = logging.getLogger("ehuying.notify")


@dataclass(frozen=True)
class Message:
    id: int
    idempotency_key: str
    channel: str
    address: str
    text: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ProviderReceipt:
    provider: str
    message_id: str

    def __str__(self) -> str:
        return f"{self.provider}:{self.message_id}"[:128]


class SendError(Exception):
    pass


class RetryableSendError(SendError):
    pass


class PermanentSendError(SendError):
    pass


class Sender(Protocol):
    async def send(self, message: Message) -> ProviderReceipt: ...

    async def aclose(self) -> None: ...


def masked(message: Message) -> str:
    return mask_phone(message.address) if message.channel == SMS else message.address[:6] + "…"


class LogSender:
    """The default: the message goes to the log (structured, the address masked), not to a phone."""

    name = "log"

    async def send(self, message: Message) -> ProviderReceipt:
        log.info("notification %s", json.dumps({
            "id": message.id, "key": message.idempotency_key, "channel": message.channel,
            "to": masked(message), "text": message.text,
        }, ensure_ascii=False))
        return ProviderReceipt(self.name, message.idempotency_key)

    async def aclose(self) -> None:
        return None


class _HttpSender:
    name = "http"

    def __init__(self, timeout: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout)

    async def _post(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None,
                    params: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        try:
            response = await self._client.post(url, json=body, headers=headers, params=params)
        except httpx.HTTPError as exc:  # refused, reset, timed out: the provider may be back soon
            raise RetryableSendError(f"{self.name}: {type(exc).__name__}: {exc}") from exc
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return response.status_code, payload if isinstance(payload, dict) else {}

    async def aclose(self) -> None:
        await self._client.aclose()


class SmsGatewaySender(_HttpSender):
    """An SMS gateway taking JSON: POST {phone, text, idempotencyKey} with the API key as a bearer
    token and the key again as the Idempotency-Key header. 2xx is accepted (a repeated key answered
    409 too: the gateway has it); 408, 429 and 5xx are worth retrying; any other 4xx is final."""

    name = "sms"

    def __init__(self, url: str, api_key: str, timeout: float = 10.0) -> None:
        super().__init__(timeout)
        self.url, self.api_key = url, api_key

    async def send(self, message: Message) -> ProviderReceipt:
        status, body = await self._post(
            self.url,
            {"phone": message.address, "text": message.text, "idempotencyKey": message.idempotency_key},
            headers={"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": message.idempotency_key},
        )
        if 200 <= status < 300 or status == 409:
            return ProviderReceipt(self.name, str(body.get("messageId") or body.get("id") or message.idempotency_key))
        detail = f"sms gateway answered {status}: {str(body)[:200]}"
        if status in (408, 425, 429) or status >= 500:
            raise RetryableSendError(detail)
        raise PermanentSendError(detail)


# WeChat's answers (errcode) that a later try can cure: system busy, an access token that expired
# and is being renewed, the API's rate limits.
_WECHAT_RETRY = {-1, 40001, 40014, 42001, 45009, 45047}


class WeChatTemplateSender(_HttpSender):
    """A WeChat official account's template message: POST {touser, template_id, data, client_msg_id}
    to the template API with the access token as a query parameter. The token is provisioned by
    the operator (NOTIFY_WECHAT_TOKEN), e.g. from the account's central token service."""

    name = "wechat"

    def __init__(self, url: str, template_id: str, token: str, timeout: float = 10.0) -> None:
        super().__init__(timeout)
        self.url, self.template_id, self.token = url, template_id, token

    async def send(self, message: Message) -> ProviderReceipt:
        d = message.data
        status, body = await self._post(self.url, {
            "touser": message.address,
            "template_id": self.template_id,
            "client_msg_id": message.idempotency_key,  # WeChat drops a repeat of the same id for an openid
            "data": {
                "first": {"value": "您反映的诉求有新消息"},
                "keyword1": {"value": d.get("code", "")},
                "keyword2": {"value": d.get("status", "")},
                "keyword3": {"value": d.get("time", "")},
                "remark": {"value": message.text},
            },
        }, params={"access_token": self.token})
        if status >= 500 or status in (408, 429):
            raise RetryableSendError(f"wechat answered HTTP {status}")
        if status != 200:
            raise PermanentSendError(f"wechat answered HTTP {status}")
        code = body.get("errcode", 0)
        if code == 0:
            return ProviderReceipt(self.name, str(body.get("msgid") or message.idempotency_key))
        detail = f"wechat errcode {code}: {body.get('errmsg', '')}"
        if code in _WECHAT_RETRY:
            raise RetryableSendError(detail)
        raise PermanentSendError(detail)


def senders_for(cfg: NotifyConfig) -> dict[str, Sender]:
    """A sender for each channel the configuration turns on."""
    out: dict[str, Sender] = {}
    for channel, kind in cfg.senders.items():
        if kind == "log":
            out[channel] = LogSender()
        elif channel == SMS:
            out[channel] = SmsGatewaySender(cfg.sms_url, cfg.sms_key, cfg.timeout_seconds)
        elif channel == WECHAT:
            out[channel] = WeChatTemplateSender(cfg.wechat_url, cfg.wechat_template_id, cfg.wechat_token, cfg.timeout_seconds)
    return out
