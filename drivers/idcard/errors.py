"""Typed errors of the ID card reader: one class per SW3 status of the SAM (GA/T 467), and the
framing errors the driver itself detects. Messages are short and never name the card holder."""
from __future__ import annotations

from drivers.base.errors import Action, DeviceError, DeviceTimeout, ErrorKind


class IdCardError(DeviceError):
    code = "idcard_error"
    zh = "身份证阅读器故障"
    en = "ID card reader error"


# -- framing, detected by the driver -------------------------------------------------------------
class FrameError(IdCardError):
    code = "frame_error"
    zh = "阅读器数据帧错误"
    en = "Malformed frame from the reader"
    kind = ErrorKind.HARDWARE
    action = Action.RETRY


class ChecksumError(FrameError):
    code = "frame_checksum"
    zh = "阅读器数据校验错误"
    en = "Frame checksum mismatch"


class LengthError(FrameError):
    code = "frame_length"
    zh = "阅读器数据长度错误"
    en = "Frame length field invalid"


class TruncatedFrame(FrameError, DeviceTimeout):
    code = "frame_truncated"
    zh = "阅读器数据不完整"
    en = "Frame ended before its length"


class NoResponse(IdCardError, DeviceTimeout):
    code = "no_response"
    zh = "阅读器无应答"
    en = "Reader did not answer"
    action = Action.RESET


class VendorTimeout(IdCardError, DeviceTimeout):
    """The non-standard ``AA AA AA 96 69 00 05 05 05 05`` some modules send on an internal timeout."""
    code = "module_timeout"
    zh = "阅读器内部超时"
    en = "Reader module reported a timeout"
    action = Action.RETRY


class CardDecodeError(IdCardError):
    code = "card_decode"
    zh = "证件信息无法解析"
    en = "Card data could not be decoded"
    kind = ErrorKind.SOFTWARE
    action = Action.NONE


class CardLifted(IdCardError):
    code = "card_lifted"
    zh = "读卡中证件被移开，请重新放置"
    en = "Card moved away during reading; place it again"
    kind = ErrorKind.USER
    action = Action.NONE


# -- SW3, the SAM's own status -------------------------------------------------------------------
class SamStatusError(IdCardError):
    """A non-success SW3. ``sw3`` holds the raw code."""
    sw3: int = 0x24
    code = "sam_status"

    def __init__(self, detail: str = "", *, sw3: int | None = None) -> None:
        if sw3 is not None:
            self.sw3 = sw3
        super().__init__(detail or f"SW3={self.sw3:02X}")


SW3_ERRORS: dict[int, type[SamStatusError]] = {}


def _sw3(value: int, code: str, zh: str, en: str, kind: ErrorKind = ErrorKind.HARDWARE,
         action: Action = Action.RESET, base: type[SamStatusError] = SamStatusError) -> type[SamStatusError]:
    cls = type(f"Sam{''.join(p.title() for p in code.split('_'))}", (base,), {
        "sw3": value, "code": code, "zh": zh, "en": en, "kind": kind, "action": action,
        "__doc__": f"SW3 {value:02X}: {en}.",
    })
    SW3_ERRORS[value] = cls
    return cls


SamFrameChecksum = _sw3(0x10, "sam_rx_checksum", "阅读器收到的数据校验错误", "Reader got a bad checksum", action=Action.RETRY)
SamFrameLength = _sw3(0x11, "sam_rx_length", "阅读器收到的数据长度错误", "Reader got a bad length", action=Action.RETRY)
SamCommandError = _sw3(0x21, "sam_command", "阅读器不支持该命令", "Command not recognised", ErrorKind.SOFTWARE, Action.SOFTWARE_ERROR)
SamUnauthorised = _sw3(0x23, "sam_unauthorised", "越权操作", "Unauthorised operation", ErrorKind.SOFTWARE, Action.SOFTWARE_ERROR)
SamUnrecognised = _sw3(0x24, "sam_unrecognised", "阅读器无法识别的错误", "Unrecognised error")
CardAuthFailed = _sw3(0x31, "card_auth_sam", "证件认证安全模块失败", "Card failed to authenticate the SAM", ErrorKind.USER, Action.NONE)
SamAuthFailed = _sw3(0x32, "sam_auth_card", "安全模块认证证件失败", "SAM failed to authenticate the card", ErrorKind.USER, Action.NONE)
VerifyFailed = _sw3(0x33, "verify_failed", "证件信息验证错误", "Information verification error", ErrorKind.USER, Action.NONE)
UnknownCardType = _sw3(0x40, "unknown_card_type", "无法识别的证件类型", "Unknown card type", ErrorKind.USER, Action.NONE)
ReadFailed = _sw3(0x41, "read_failed", "读证件失败，请将证件放稳", "Reading the card failed", ErrorKind.USER, Action.RETRY)
RandomFailed = _sw3(0x47, "random_failed", "取随机数失败", "Random number failed", action=Action.RETRY)
SamSelfTestFailed = _sw3(0x60, "sam_self_test", "安全模块自检失败", "SAM self-test failed", action=Action.MAINTENANCE)
SamNotAuthorised = _sw3(0x66, "sam_not_authorised", "安全模块未经授权", "SAM not authorised", action=Action.MAINTENANCE)
NoCard = _sw3(0x80, "no_card", "未放置证件", "No card on the reader", ErrorKind.USER, Action.NONE)
SelectFailed = _sw3(0x81, "select_failed", "选卡失败，请将证件放稳", "Select failed", ErrorKind.USER, Action.RETRY)
NoSuchContent = _sw3(0x91, "no_such_content", "证件无此项信息", "The card has no such content", ErrorKind.USER, Action.NONE)

SW3_OK = 0x90
SW3_FOUND = 0x9F


def sam_error(sw3: int) -> SamStatusError:
    cls = SW3_ERRORS.get(sw3)
    if cls is None:
        return SamStatusError(f"unknown SW3={sw3:02X}", sw3=sw3)
    return cls()
