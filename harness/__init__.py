"""Mobile Journey Lab's test tooling: the pytest plugin, the step library, reports and the `mjlab` CLI."""

__all__: list[str] = []
