"""Send-time exclusions and dispatch outcomes, with the platform's own reason names and codes.

Every profile a message targets ends in exactly one outcome: excluded (with one of these reasons) or sent; a sent
message ends delivered, bounced, failed, or stays pending while it is retried.
"""

from __future__ import annotations

from enum import Enum


class ExclusionReason(Enum):
    """Why a targeted profile did not get a message: (reason name, code)."""

    PUSH_NO_CONSENT = ("PushNoConsent", "050111")
    PUSH_NO_TOKEN = ("PushNoTokenFoundInProfile", "050030")
    PUSH_NO_VALID_TOKEN_FOR_APP = ("PushNoValidTokenFoundForApps", "050031")
    SMS_NO_CONSENT = ("SMSNoConsent", "050104")
    SMS_NO_NUMBER = ("SMSNoToNumberDefinedInProfile", "050153")
    WHATSAPP_NO_CONSENT = ("WhatsAppNoConsent", "050106")  # code unconfirmed: chosen in the platform's range
    EMAIL_NO_CONSENT = ("EmailNoConsent", "050101")
    EMAIL_SUPPRESSED = ("EmailSuppressed", "050102")
    EMAIL_NO_ADDRESS = ("EmailNoAddressFoundInProfile", "050020")
    CONTROL_RULES = ("ExcludedForControlRules", "050002")
    DISPATCH_ERROR = ("RuntimeDispatchError", "050301")
    RENDERING_ERROR = ("RuntimeRenderingError", "050302")

    @property
    def reason(self) -> str:
        """The platform's name for it, e.g. `PushNoConsent`."""
        return self.value[0]

    @property
    def code(self) -> str:
        """The platform's code, e.g. `050111`."""
        return self.value[1]

    @classmethod
    def by_reason(cls, reason: str) -> ExclusionReason:
        """Look one up by its name or its code."""
        for member in cls:
            if reason in (member.reason, member.code, member.name):
                return member
        raise KeyError(reason)
