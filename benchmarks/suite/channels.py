"""The channel issues' figures: journeys on the virtual clock, proposition fetches, SMS over the Twilio API on
loopback, emails over SMTP — each beside a floor measured in the same run."""

from __future__ import annotations

from benchmarks import BenchContext, Figure, Measure, at_least, below, benchmark


@benchmark("journeys", "journeys on the virtual clock")
def journeys(ctx: BenchContext) -> list[Figure]:
    """One profile through five actions and 30 days of waits; then many profiles through the same journey."""
    profiles = 500 if ctx.quick else 10_000
    ctx.log(f"journeys: one profile, then {profiles:,} profiles through 30 days")
    run = ctx.worker("benchmarks.journey", "--profiles", str(profiles))
    floor = ctx.worker("benchmarks.channels", "journey-floor", "--profiles", str(profiles))
    per_profile_floor_ms = 1000 / floor["profiles_per_second"]
    return [
        Figure(
            id="journeys.one_profile",
            title="one profile through 5 actions and 30 days of waits (wall time)",
            value=run["one_profile_30_days_ms"],
            unit="ms",
            baseline=Measure(
                "floor: the bare virtual clock firing the same 10 timers", round(per_profile_floor_ms, 3), "ms"
            ),
            goals=[below(10, "< 10 ms")],
            details=run,
        ),
        Figure(
            id="journeys.throughput",
            title=f"profiles through the same journey, {profiles:,} profiles in-process",
            value=run["profiles_per_second"],
            unit="profiles/s",
            baseline=Measure(
                "floor: the bare virtual clock firing the same timers", floor["profiles_per_second"], "profiles/s"
            ),
            goals=[at_least(5_000, "≥ 5,000/s")],
            details={"journey": run, "floor": floor},
            notes=["each profile is 5 deliveries (push, through APNs or FCM, to a phone) and 5 waits"],
        ),
    ]


@benchmark("propositions", "proposition fetches")
def propositions(ctx: BenchContext) -> list[Figure]:
    """Phones launching the app (fetching their propositions) and fetching on demand, in-process."""
    phones = 1_000 if ctx.quick else 10_000
    ctx.log(f"propositions: {phones:,} phones launching the app")
    run = ctx.worker("benchmarks.bench_propositions", "--phones", str(phones))
    return [
        Figure(
            id="propositions.launch",
            title=f"proposition fetches at app launch, {phones:,} phones in-process",
            value=run["launches_per_second"],
            unit="fetches/s",
            baseline=Measure(
                "the platform alone answering the same fetch (no phone, no SDK)",
                run["edge_fetches_per_second"],
                "fetches/s",
            ),
            goals=[at_least(10_000, "≥ 10,000/s")],
            details=run,
        ),
        Figure(
            id="propositions.fetch",
            title=f"on-demand proposition fetches, {phones:,} phones in-process",
            value=run["fetches_per_second"],
            unit="fetches/s",
            baseline=Measure(
                "the platform alone answering the same fetch", run["edge_fetches_per_second"], "fetches/s"
            ),
            goals=[at_least(10_000, "≥ 10,000/s")],
            details=run,
        ),
    ]


@benchmark("sms.network", "SMS over the Twilio API on loopback", quick=False)
def sms_network(ctx: BenchContext) -> list[Figure]:
    """`POST .../Messages.json` to `mjlab serve`, 32 connections, against a trivial POST on the same server."""
    messages = 300 if ctx.quick else 2_000
    ctx.log(f"sms: {messages:,} messages through the Twilio API of mjlab serve")
    run = ctx.worker("benchmarks.channels", "sms-network", "--messages", str(messages))
    return [
        Figure(
            id="sms.network",
            title=f"SMS created through the Twilio Messages API over loopback ({messages:,})",
            value=run["messages_per_second"],
            unit="messages/s",
            baseline=Measure(
                "floor: the same client, GET /_sim/health on the same gateway",
                run["trivial_requests_per_second"],
                "req/s",
            ),
            details=run,
        )
    ]


@benchmark("email.smtp", "emails over SMTP", quick=False)
def email_smtp(ctx: BenchContext) -> list[Figure]:
    """Pre-rendered emails on one `smtplib` connection into the stack's mail provider, delivered to mailboxes."""
    messages = 500 if ctx.quick else 5_000
    ctx.log(f"email: {messages:,} emails over SMTP, and the same into a do-nothing aiosmtpd")
    run = ctx.worker("benchmarks.channels", "smtp", "--messages", str(messages))
    sink = ctx.worker("benchmarks.channels", "smtp-sink", "--messages", str(messages))
    figure = Figure(
        id="email.smtp",
        title=f"emails over SMTP into mailboxes, one connection ({messages:,})",
        value=run["messages_per_second"],
        unit="emails/s",
        baseline=Measure(
            "floor: aiosmtpd accepting and dropping, same client", sink["messages_per_second"], "emails/s"
        ),
        goals=[at_least(1_000, "≥ 1,000/s (5x Mailpit's published 100-200/s)")],
        details={"stack": run, "sink": sink},
    )
    return [figure]
