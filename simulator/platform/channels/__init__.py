"""The channel contract: one `ChannelSender` per `Channel`, looked up in a dict (never a ladder over names).

A campaign or journey action hands a `Dispatch` (one message, one profile) to the sender of its channel. The sender
applies the channel's send-time rules (consent, addresses, tokens), renders, sends through the provider, and records
every outcome in the sandbox's counters and the profile's message log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from simulator.platform.models import Category, Channel
from simulator.platform.profiles import Profile
from simulator.platform.state import SandboxState


@dataclass(slots=True)
class Dispatch:
    """One message for one profile, from one campaign or journey step."""

    state: SandboxState
    profile: Profile
    source: str
    category: Category
    app_id: str | None
    message: Any
    context: dict[str, Any] = field(default_factory=dict)
    templated: bool | None = None
    """Whether the message holds personalization expressions (None: the channel finds out)."""


class ChannelSender(Protocol):
    """Sends one channel's messages."""

    @property
    def channel(self) -> Channel:
        """The channel this sender serves."""

    @property
    def message_model(self) -> type[BaseModel]:
        """Validates a message authored for this channel (a campaign's or journey action's `message`)."""

    async def send(self, dispatch: Dispatch) -> None:
        """Apply send-time rules, send, and record the outcome."""


def is_templated(message: Any) -> bool:
    """True when a message model holds a Jinja expression or statement anywhere in its text."""
    text = message.model_dump_json()
    return "{{" in text or "{%" in text


__all__ = ["ChannelSender", "Dispatch", "is_templated"]
