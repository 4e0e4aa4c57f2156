"""The step library: one module per domain, each registered by `harness.plugin` as a pytest plugin.

`STEP_MODULES` names every module of the library, in registration order.
"""

STEP_MODULES: tuple[str, ...] = (
    "harness.steps.apps",
    "harness.steps.people",
    "harness.steps.campaigns",
    "harness.steps.push",
    "harness.steps.time",
    "harness.steps.journeys",
    "harness.steps.rules",
    "harness.steps.sms",
    "harness.steps.whatsapp",
    "harness.steps.email",
    "harness.steps.inbound",
    "harness.steps.inapp",
    "harness.steps.cards",
    "harness.steps.codebased",
    "harness.steps.audiences",
    "harness.steps.capture",
    "harness.steps.reporting",
    "harness.steps.use_cases",
)
