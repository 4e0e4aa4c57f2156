"""The person-to-person inboxes of a phone, one type per channel, created on first use.

SMS, MMS and RCS share the messages app (`SmsThreads`: one thread per sender); WhatsApp has its chats
(`WhatsAppChats`: one chat per business); email has a mailbox (`Mailbox`). Each inbox type takes the phone in its
constructor and exposes `receive(delivery)`, which may return an awaitable when acknowledgement comes later.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

from simulator.devices.delivery import MessageChannel, MessageDelivery

if TYPE_CHECKING:
    from simulator.devices.phone import Phone


class Inbox(Protocol):
    """What every inbox offers the phone."""

    def receive(self, delivery: MessageDelivery) -> Awaitable[None] | None:
        """Take one message as the phone's app for that channel would."""


#: Where each channel's inbox lives ("module:Class"), imported when a phone first needs it.
INBOX_TYPES: dict[MessageChannel, str] = {
    MessageChannel.SMS: "simulator.devices.sms:SmsThreads",
    MessageChannel.MMS: "simulator.devices.sms:SmsThreads",
    MessageChannel.RCS: "simulator.devices.sms:SmsThreads",
    MessageChannel.WHATSAPP: "simulator.devices.whatsapp:WhatsAppChats",
    MessageChannel.EMAIL: "simulator.devices.mailbox:Mailbox",
}


def inbox_type(channel: MessageChannel) -> type:
    """The inbox class of a channel."""
    module_name, _, class_name = INBOX_TYPES[channel].partition(":")
    return getattr(importlib.import_module(module_name), class_name)  # type: ignore[no-any-return]


def open_inbox(phone: Phone, channel: MessageChannel) -> Inbox:
    """The phone's inbox for `channel` (channels sharing an inbox type share one instance)."""
    kind = inbox_type(channel)
    existing: Inbox
    for existing in phone.inboxes.values():
        if type(existing) is kind:
            phone.inboxes[channel] = existing
            return existing
    inbox: Inbox = kind(phone)
    phone.inboxes[channel] = inbox
    return inbox
