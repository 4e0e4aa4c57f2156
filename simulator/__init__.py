"""Everything emulated: the platform, the provider gateways, the phones and the one clock.

The public surface: build a stack (`Stack.build()`), use it in any mode (`StackClient.inprocess(stack)` or
`StackClient.connect(endpoints)`), move time (`VirtualClock`), and drive phones (`Phone`, `OS`).
"""

from simulator.client import StackClient, StackError
from simulator.clock import Clock, SystemClock, VirtualClock
from simulator.devices.phone import OS, Phone, PhoneError
from simulator.sandboxes import Sandbox, Sandboxes
from simulator.stack import Stack

__all__ = [
    "OS",
    "Clock",
    "Phone",
    "PhoneError",
    "Sandbox",
    "Sandboxes",
    "Stack",
    "StackClient",
    "StackError",
    "SystemClock",
    "VirtualClock",
]
