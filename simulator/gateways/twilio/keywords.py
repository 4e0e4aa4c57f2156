"""Opt-out, opt-in and help keywords, and Twilio's default answers to them.

A keyword is the whole message, trimmed, in any case ("STOP please" is not one). Twilio's own lists (opt-out STOP,
STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT; opt-in START, YES, UNSTOP; help HELP, INFO) are joined with
the platform's (opt-out NO; opt-in SUBSCRIBE, CONTINUE, RESUME, BEGIN), so that the gateway's block and the
profile's consent never disagree.
"""

from __future__ import annotations

from enum import StrEnum


class Keyword(StrEnum):
    """What a keyword does; the value is Twilio's `OptOutType` webhook parameter."""

    OPT_OUT = "STOP"
    OPT_IN = "START"
    HELP = "HELP"


OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "NO"})
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP", "SUBSCRIBE", "CONTINUE", "RESUME", "BEGIN"})
HELP_WORDS = frozenset({"HELP", "INFO"})

#: Twilio's default confirmation texts for a long code.
REPLIES: dict[Keyword, str] = {
    Keyword.OPT_OUT: (
        "You have successfully been unsubscribed. You will not receive any more messages from this number. "
        "Reply START to resubscribe."
    ),
    Keyword.OPT_IN: (
        "You have successfully been re-subscribed to messages from this number. Reply HELP for help. "
        "Reply STOP to unsubscribe. Msg&Data Rates May Apply."
    ),
    Keyword.HELP: "Reply STOP to unsubscribe. Msg&Data Rates May Apply.",
}


def classify(body: str) -> Keyword | None:
    """The keyword a whole message is, or None."""
    word = body.strip().upper()
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT
    if word in OPT_IN_WORDS:
        return Keyword.OPT_IN
    if word in HELP_WORDS:
        return Keyword.HELP
    return None
