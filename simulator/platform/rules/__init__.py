"""Send-time rules, enforced in one place for every channel: consent policies, frequency capping, quiet hours.

`SendTimeRules.decide(dispatch)` runs before any channel sees a message, in this order:

1. consent — a marketing message needs the profile's consent for its channel (`consents.marketing.<channel>.val`
   = `y`), with each channel's own exclusion code (push 050111, SMS 050104, email 050101...); transactional
   messages pass (an SMS STOP is enforced by the SMS channel itself, for transactional messages too); inbound
   channels need consent only when a consent policy names them;
2. quiet hours — a message inside a quiet period (in a fixed zone or the recipient's own; no zone on the profile:
   not enforced) is queued until the period ends (dropped after 7 days) or discarded (the profile leaves its
   journey);
3. frequency capping — marketing deliveries counted per profile in calendar windows (UTC) across the channels a
   rule names; at the cap, `ExcludedForControlRules` 050002.

Capping counters rise after delivery: `SendTimeRules.on_record` watches the message log for deliveries.
"""

from simulator.platform.rules.engine import Decision, SendTimeRules

__all__ = ["Decision", "SendTimeRules"]
