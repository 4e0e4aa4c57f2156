"""Steps about the team's mobile apps and their push configuration."""

from __future__ import annotations

from harness.catalogue import step
from harness.lab import Lab


@step(
    "given",
    en=r'the app "(?P<name>[^"]+)" with id "(?P<app_id>[^"]+)"(?P<sandbox> in the APNs sandbox environment)?',
    fr=r'l\'application "(?P<name>[^"]+)" d\'identifiant "(?P<app_id>[^"]+)"(?P<sandbox> dans l\'environnement APNs de test)?',
    example='Given the app "Shop" with id "com.acme.shop"',
    exemple='Soit l\'application "Shop" d\'identifiant "com.acme.shop"',
)
def the_app(lab: Lab, name: str, app_id: str, sandbox: str | None) -> None:
    """An app for iOS (with an APNs key) and Android (with a Firebase project), configured in the platform."""
    environment = "sandbox" if sandbox else "production"
    lab.run(lambda: lab.client.provision_app(lab.sandbox, app_id, environment=environment, name=name))
    lab.apps[name] = app_id
