"""Fake provider gateways, one package per provider, all the same shape.

Each package holds `models.py` (wire payloads, spelled as the provider spells them), `errors.py` (the provider's
real error codes), a service (the ordered request chain: authenticate, validate, inject faults, record, deliver,
respond) and `app.py` (the ASGI routes that run that same chain from HTTP bytes). Shared pieces: `recording`
(what every fake received, queryable and resettable), `faults` (validated, seeded fault injection) and
`sim_routes` (the `/_sim/` routes and error handling every fake's app is built with).
"""
