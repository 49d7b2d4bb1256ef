"""Typed device errors: every failure a driver raises carries a stable code, a short Chinese and
English message, and the XFS4IoT error kind and suggested action, so the app can word it for a
citizen and the fleet monitor can act on it without parsing text."""
from __future__ import annotations

from enum import Enum


class ErrorKind(str, Enum):
    HARDWARE = "hardware"
    SOFTWARE = "software"
    USER = "user"
    FRAUD_ATTEMPT = "fraudAttempt"


class Action(str, Enum):
    """Suggested action, as XFS4IoT names them."""
    NONE = "none"
    RESET = "reset"
    SOFTWARE_ERROR = "softwareError"
    CONFIGURATION = "configuration"
    CLEAR = "clear"
    MAINTENANCE = "maintenance"
    SUSPEND = "suspend"
    RETRY = "retry"


class DeviceError(Exception):
    """Base of every driver error. Messages never contain personal data."""

    code: str = "device_error"
    zh: str = "设备故障"
    en: str = "Device error"
    kind: ErrorKind = ErrorKind.HARDWARE
    action: Action = Action.RESET

    def __init__(self, detail: str = "", *, zh: str | None = None, en: str | None = None) -> None:
        self.detail = detail
        if zh is not None:
            self.zh = zh
        if en is not None:
            self.en = en
        super().__init__(self.describe())

    def describe(self) -> str:
        text = f"{self.zh} / {self.en}"
        return f"{text} ({self.detail})" if self.detail else text

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "zh": self.zh,
            "en": self.en,
            "kind": self.kind.value,
            "action": self.action.value,
            "detail": self.detail,
        }


class DeviceNotConnected(DeviceError):
    code = "not_connected"
    zh = "设备未连接"
    en = "Device not connected"
    action = Action.MAINTENANCE


class DeviceTimeout(DeviceError):
    code = "timeout"
    zh = "设备无应答"
    en = "Device did not answer"
    action = Action.RESET
