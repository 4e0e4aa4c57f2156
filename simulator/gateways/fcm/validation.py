"""Validating a `messages:send` body as FCM does, with FCM's wording.

Two layers, as at Google: the transcoder maps JSON onto the proto (unknown names, wrong JSON types, a second target
in the `target` oneof, a malformed duration: `InvalidPayloadError`, with Google's "Invalid JSON payload received" and
"Invalid value at ..." descriptions), then FCM checks the message itself (`FcmError` INVALID_ARGUMENT): a target is
set and well formed, no reserved data key (`from`, `message_type`, anything starting with `google` or `gcm`), a TTL
within 0 to 2,419,200 s, and at most 4,096 bytes of payload. The payload counted is what reaches the device: keys
and values of `data` and `android.data`, and the text of `notification` and `android.notification`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from itertools import chain
from typing import Any

from pydantic import BaseModel, ValidationError

from simulator.gateways.fcm.conditions import TOPIC_NAME, Condition, ConditionError, parse_condition
from simulator.gateways.fcm.errors import ErrorCode, FcmError, FieldViolation, InvalidPayloadError
from simulator.gateways.fcm.models import AndroidNotification, Message, Notification, SendRequest
from simulator.gateways.fcm.tokens import FID_SHAPE, TOKEN_SHAPE

MAX_PAYLOAD_BYTES = 4096
MAX_TTL_SECONDS = 2_419_200
DEFAULT_TTL_SECONDS = float(MAX_TTL_SECONDS)
RESERVED_KEYS = frozenset({"from", "message_type"})
RESERVED_PREFIXES = ("google", "gcm")
_RESERVED_INITIALS = frozenset("fFmMgG")
DURATION = re.compile(r"^-?\d+(\.\d{1,9})?s$")
INVALID_TOKEN = "The registration token is not a valid FCM registration token"
NO_RECIPIENT = "Recipient of the message is not set."
TOO_BIG = "Android message is too big"

#: Fields whose values are JSON maps: a bad entry is named `<field>[<index>].value`, as Google names map entries.
_MAP_FIELDS = frozenset({"data", "headers"})
#: Enum fields, with the proto enum type Google names when a value is not one of them.
_ENUM_TYPES = {
    "priority": "type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority",
    "notification_priority": "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.NotificationPriority",
    "visibility": "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Visibility",
    "proxy": "type.googleapis.com/google.firebase.fcm.v1.AndroidNotification.Proxy",
}
_DURATION_TYPE = "type.googleapis.com/google.protobuf.Duration"
_UNKNOWN_NAME = 'Invalid JSON payload received. Unknown name "{name}"{where}: {why}'
_SCALAR_TYPES = {
    "string_type": "TYPE_STRING",
    "bool_type": "TYPE_BOOL",
    "int_type": "TYPE_INT32",
    "float_type": "TYPE_FLOAT",
    "list_type": "TYPE_STRING",
}
_TARGETS = ("token", "fid", "topic", "condition")


class Target(StrEnum):
    """What a message is addressed to."""

    TOKEN = "token"
    FID = "fid"
    TOPIC = "topic"
    CONDITION = "condition"


@dataclass(slots=True)
class ValidatedSend:
    """What the gateway needs from a valid request; `message` is the message dict as sent, not a copy."""

    message: dict[str, Any]
    validate_only: bool
    target: Target
    address: str
    condition: Condition | None
    collapse_key: str | None
    ttl: float
    priority: int
    push_type: str


def parse_body(body: bytes | dict[str, Any]) -> dict[str, Any]:
    """The JSON object of a request body; a body that is not one is Google's "Invalid JSON payload"."""
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        snippet = body[:40].decode("utf-8", "replace")
        description = f"Invalid JSON payload received. Unexpected token.\n{snippet}\n^"
        raise InvalidPayloadError.single(description, "") from None
    if not isinstance(parsed, dict):
        raise InvalidPayloadError.single("Invalid JSON payload received. Expected an object.", "")
    return parsed


def validate_send(raw: dict[str, Any]) -> ValidatedSend:
    """Check a `messages:send` body; raises `FcmError` (or `InvalidPayloadError`) as FCM would answer."""
    try:
        request = SendRequest.model_validate(raw)
    except ValidationError as error:
        raise _transcoding_error(error, raw) from None
    message = request.message
    raw_message = raw.get("message")
    if message is None or not isinstance(raw_message, dict):
        raise _invalid(NO_RECIPIENT, "message")
    target, address = _target(message, raw_message)
    condition = _check_address(target, address)
    _check_data_keys(message.data, "message.data")
    android = message.android
    collapse_key, ttl, priority = None, DEFAULT_TTL_SECONDS, 5
    if android is not None:
        _check_data_keys(android.data, "message.android.data")
        collapse_key = android.collapse_key
        priority = 10 if android.priority == "HIGH" else 5
        if android.ttl is not None:
            ttl = _ttl(android.ttl)
    if _payload_size(message) > MAX_PAYLOAD_BYTES:
        raise FcmError(ErrorCode.INVALID_ARGUMENT, TOO_BIG)
    shows = message.notification is not None or (android is not None and android.notification is not None)
    return ValidatedSend(
        message=raw_message,
        validate_only=bool(request.validate_only),
        target=target,
        address=address,
        condition=condition,
        collapse_key=collapse_key,
        ttl=ttl,
        priority=priority,
        push_type="alert" if shows else "background",
    )


def _invalid(description: str, field: str) -> FcmError:
    return FcmError(ErrorCode.INVALID_ARGUMENT, description, field_violations=(FieldViolation(field, description),))


def _target(message: Message, raw_message: dict[str, Any]) -> tuple[Target, str]:
    present = [key for key in raw_message if key in _TARGETS and getattr(message, key) is not None]
    if not present:
        raise _invalid(NO_RECIPIENT, "message")
    if len(present) > 1:
        description = (
            f"Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '{present[1]}'"
        )
        raise InvalidPayloadError.single(description, "message")
    name = present[0]
    return Target(name), str(getattr(message, name))


def _check_address(target: Target, address: str) -> Condition | None:
    if target is Target.TOKEN and not TOKEN_SHAPE.match(address):
        raise FcmError(ErrorCode.INVALID_ARGUMENT, INVALID_TOKEN)
    if target is Target.FID and not (FID_SHAPE.match(address) or TOKEN_SHAPE.match(address)):
        raise FcmError(ErrorCode.INVALID_ARGUMENT, INVALID_TOKEN)
    if target is Target.TOPIC and not TOPIC_NAME.match(address.removeprefix("/topics/")):
        raise _invalid("Invalid topic name. Topic names match [a-zA-Z0-9-_.~%]+.", "message.topic")
    if target is Target.CONDITION:
        try:
            return parse_condition(address)
        except ConditionError as error:
            raise _invalid(f"Invalid condition expression provided: {error}.", "message.condition") from None
    return None


def _check_data_keys(data: dict[str, str] | None, field: str) -> None:
    if not data:
        return
    for key in data:
        if key[:1] not in _RESERVED_INITIALS:
            continue
        lowered = key.lower()
        if lowered in RESERVED_KEYS or lowered.startswith(RESERVED_PREFIXES):
            raise _invalid(f"Invalid data payload key: {key}", field)


def _ttl(value: str) -> float:
    if not DURATION.match(value):
        description = f"Invalid value at 'message.android.ttl' ({_DURATION_TYPE}), {json.dumps(value)}"
        raise InvalidPayloadError.single(description, "message.android.ttl")
    seconds = float(value[:-1])
    if not 0 <= seconds <= MAX_TTL_SECONDS:
        raise _invalid(
            f"The TTL must be between 0 and {MAX_TTL_SECONDS} seconds (28 days); got {value}.", "message.android.ttl"
        )
    return seconds


def _text_size(model: Notification | AndroidNotification | None) -> int:
    if model is None:
        return 0
    return len("".join(v for v in (model.title, model.body, model.image) if v).encode())


def _map_size(data: dict[str, str] | None) -> int:
    if not data:
        return 0
    return len("".join(chain(data, data.values())).encode())


def _payload_size(message: Message) -> int:
    size = _map_size(message.data) + _text_size(message.notification)
    if message.android is not None:
        size += _map_size(message.android.data) + _text_size(message.android.notification)
    return size


def _transcoding_error(error: ValidationError, raw: dict[str, Any]) -> InvalidPayloadError:
    violations = tuple(_violation(detail["type"], detail["loc"], detail["input"], raw) for detail in error.errors())
    return InvalidPayloadError(violations)


def _violation(kind: str, loc: tuple[int | str, ...], value: Any, raw: dict[str, Any]) -> FieldViolation:
    if kind == "extra_forbidden":
        parent = _path(loc[:-1], raw)
        where = f" at '{parent}'" if parent else ""
        return FieldViolation(parent, _UNKNOWN_NAME.format(name=loc[-1], where=where, why="Cannot find field."))
    path = _path(loc, raw)
    if isinstance(value, list) and kind != "list_type":
        parent, _, name = path.rpartition(".")
        where = f" at '{parent}'" if parent else ""
        why = "Proto field is not repeating, cannot start list."
        return FieldViolation(path, _UNKNOWN_NAME.format(name=name, where=where, why=why))
    if isinstance(value, dict) and kind in _SCALAR_TYPES:
        label = _SCALAR_TYPES[kind]
        return FieldViolation(path, f"Invalid value at '{path}' ({label}), Starting an object on a scalar field")
    if kind == "literal_error":
        label = _ENUM_TYPES.get(str(loc[-1]), "TYPE_ENUM")
    elif kind in _SCALAR_TYPES:
        label = _SCALAR_TYPES[kind]
    elif kind == "dict_type":
        label = "Map"
    else:
        label = "type.googleapis.com/google.firebase.fcm.v1." + _model_name(loc)
    return FieldViolation(path, f"Invalid value at '{path}' ({label}), {_render(value)}")


def _path(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    """Google's name for a location: `message.android.data[2].value` for the third entry of a map."""
    parts: list[str] = []
    node: Any = raw
    for index, step in enumerate(loc):
        if isinstance(step, int):
            parts[-1] += f"[{step}]"
        elif parts and index > 0 and str(loc[index - 1]) in _MAP_FIELDS and isinstance(node, dict):
            position = list(node).index(step) if step in node else 0
            parts[-1] += f"[{position}].value"
        else:
            parts.append(step)
        node = node.get(step) if isinstance(node, dict) and not isinstance(step, int) else None
    return ".".join(parts)


def _model_name(loc: tuple[int | str, ...]) -> str:
    node: type[BaseModel] = SendRequest
    for step in loc:
        field = node.model_fields.get(str(step))
        annotation = field.annotation if field is not None else None
        inner = next((a for a in getattr(annotation, "__args__", ()) if isinstance(a, type)), None)
        if inner is None or not issubclass(inner, BaseModel):
            return "Message"
        node = inner
    return node.__name__


def _render(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
