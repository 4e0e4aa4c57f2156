"""The inbound channels' senders (`ChannelSender`): in-app messages, content cards and code-based experiences.

Sending does not reach the phone: it makes the message live for the profile (`store.make_live`), and the phone gets
it at its next fetch. No consent check applies (the platform's consent covers outbound channels; an app's own
screens are not gated by it).
"""

from __future__ import annotations

from pydantic import BaseModel

from simulator.platform.channels import ChannelSender, Dispatch
from simulator.platform.models import Channel
from simulator.platform.propositions.messages import CodeBasedMessage, ContentCardMessage, InAppMessage
from simulator.platform.propositions.store import make_live


class InboundChannel:
    """The sender of one inbound channel."""

    def __init__(self, channel: Channel, message_model: type[BaseModel]) -> None:
        self.channel = channel
        self.message_model = message_model

    async def send(self, dispatch: Dispatch) -> None:
        """Make the message live for the profile on its surface."""
        make_live(
            dispatch.state, dispatch.profile, self.channel, dispatch.message, dispatch.source,
            app_id=dispatch.app_id, context=dispatch.context, category=dispatch.category, templated=None,
        )  # fmt: skip


def inbound_channels() -> dict[Channel, ChannelSender]:
    """The three inbound senders, keyed by channel (for `Platform.channels`)."""
    return {
        Channel.IN_APP: InboundChannel(Channel.IN_APP, InAppMessage),
        Channel.CONTENT_CARD: InboundChannel(Channel.CONTENT_CARD, ContentCardMessage),
        Channel.CODE_BASED: InboundChannel(Channel.CODE_BASED, CodeBasedMessage),
    }
