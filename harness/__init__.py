"""Mobile Journey Lab's test tooling: the pytest plugin, the step library, reports and the `mjlab` CLI.

For step authors: `step` declares a step in English and French; `Lab` is the scenario's world (its sandbox, people,
phones, apps, campaigns); `ScenarioError` is how a step says the scenario itself is wrong.
"""

from harness.catalogue import step
from harness.lab import Lab, Person, ScenarioError

__all__ = ["Lab", "Person", "ScenarioError", "step"]
