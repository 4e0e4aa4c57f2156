"""FCM HTTP v1 wire payloads, named as Google names them (google.firebase.fcm.v1).

`SendRequest` is the body of `POST /v1/projects/{project}/messages:send`. Every model forbids unknown fields and is
strict about JSON types, as Google's transcoder is; fields are accepted in their proto spelling (`collapse_key`)
and their JSON spelling (`collapseKey`), as Google accepts both. Durations (`ttl`, `vibrate_timings`) stay strings
here (`"3.5s"`); `validation` reads them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.alias_generators import to_camel


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


#: Enum values are matched without regard to case, as Google's transcoder does (firebase-admin sends "high").
Upper = BeforeValidator(_upper)


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        loc_by_alias=False,
    )


class Notification(_Wire):
    """The basic notification template shared by every platform."""

    title: str | None = None
    body: str | None = None
    image: str | None = None


class Color(_Wire):
    """An RGBA colour (google.type.Color), each channel 0 to 1."""

    red: float | None = None
    green: float | None = None
    blue: float | None = None
    alpha: float | None = None


class LightSettings(_Wire):
    """How the notification LED blinks."""

    color: Color | None = None
    light_on_duration: str | None = None
    light_off_duration: str | None = None


class AndroidNotification(_Wire):
    """The notification Android shows (AndroidNotification)."""

    title: str | None = None
    body: str | None = None
    icon: str | None = None
    color: str | None = None
    sound: str | None = None
    tag: str | None = None
    click_action: str | None = None
    body_loc_key: str | None = None
    body_loc_args: list[str] | None = None
    title_loc_key: str | None = None
    title_loc_args: list[str] | None = None
    channel_id: str | None = None
    ticker: str | None = None
    sticky: bool | None = None
    event_time: str | None = None
    local_only: bool | None = None
    notification_priority: (
        Annotated[
            Literal[
                "PRIORITY_UNSPECIFIED",
                "PRIORITY_MIN",
                "PRIORITY_LOW",
                "PRIORITY_DEFAULT",
                "PRIORITY_HIGH",
                "PRIORITY_MAX",
            ],
            Upper,
        ]
        | None
    ) = None
    default_sound: bool | None = None
    default_vibrate_timings: bool | None = None
    default_light_settings: bool | None = None
    vibrate_timings: list[str] | None = None
    visibility: Annotated[Literal["VISIBILITY_UNSPECIFIED", "PRIVATE", "PUBLIC", "SECRET"], Upper] | None = None
    notification_count: int | None = None
    light_settings: LightSettings | None = None
    image: str | None = None
    bypass_proxy_notification: bool | None = None
    proxy: Annotated[Literal["PROXY_UNSPECIFIED", "ALLOW", "DENY", "IF_PRIORITY_LOWERED"], Upper] | None = None


class AndroidFcmOptions(_Wire):
    """FCM options for Android."""

    analytics_label: str | None = None


class AndroidConfig(_Wire):
    """Android-specific options (AndroidConfig)."""

    collapse_key: str | None = None
    priority: Annotated[Literal["NORMAL", "HIGH"], Upper] | None = None
    ttl: str | None = None
    restricted_package_name: str | None = None
    data: dict[str, str] | None = None
    notification: AndroidNotification | None = None
    fcm_options: AndroidFcmOptions | None = None
    direct_boot_ok: bool | None = None
    bandwidth_constrained_ok: bool | None = None
    restricted_satellite_ok: bool | None = None


class ApnsFcmOptions(_Wire):
    """FCM options for iOS."""

    analytics_label: str | None = None
    image: str | None = None


class ApnsConfig(_Wire):
    """iOS-specific options: the APNs headers and the APNs payload (a free-form JSON object)."""

    headers: dict[str, str] | None = None
    payload: dict[str, Any] | None = None
    fcm_options: ApnsFcmOptions | None = None
    live_activity_token: str | None = None


class WebpushFcmOptions(_Wire):
    """FCM options for web push."""

    link: str | None = None
    analytics_label: str | None = None


class WebpushConfig(_Wire):
    """Web push options; `notification` is a free-form Web Notification object."""

    headers: dict[str, str] | None = None
    data: dict[str, str] | None = None
    notification: dict[str, Any] | None = None
    fcm_options: WebpushFcmOptions | None = None


class FcmOptions(_Wire):
    """Platform-independent FCM options."""

    analytics_label: str | None = None


class Message(_Wire):
    """One message (google.firebase.fcm.v1.Message): exactly one target among token, fid, topic and condition."""

    name: str | None = None
    data: dict[str, str] | None = None
    notification: Notification | None = None
    android: AndroidConfig | None = None
    webpush: WebpushConfig | None = None
    apns: ApnsConfig | None = None
    fcm_options: FcmOptions | None = None
    token: str | None = None
    fid: str | None = None
    topic: str | None = None
    condition: str | None = None


class SendRequest(_Wire):
    """The body of `messages:send`: the message, and `validate_only` for a dry run."""

    validate_only: bool | None = None
    message: Message | None = None


class SendResponse(BaseModel):
    """A successful send: the message's resource name, `projects/<project>/messages/<id>`."""

    name: str
