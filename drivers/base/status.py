"""Device status in the XFS4IoT vocabulary.

Every device class reports the common ``device`` field; classes add their own fields (the ID card
reader adds ``media``, the printer later ``paper``). A status change is reported as only the fields
that changed, as XFS4IoT's StatusChangedEvent does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class DeviceState(str, Enum):
    ONLINE = "online"
    OFFLINE = "offline"
    NO_DEVICE = "noDevice"
    HARDWARE_ERROR = "hardwareError"
    USER_ERROR = "userError"
    BUSY = "busy"
    STARTING = "starting"


@dataclass(frozen=True)
class StatusChanged:
    """Emitted when any status field changes; ``changes`` holds only the changed fields."""
    device: str
    changes: dict[str, Any]
    status: dict[str, Any]


@dataclass(frozen=True)
class DeviceEvent:
    """A class-specific event (card read, card error, ...). ``payload`` may hold personal data:
    it is for the app's session, never for a log."""
    device: str
    kind: str
    payload: Any = None
    error: Any = field(default=None)
