"""The Cucumber JSON report, written on the controller from the scenario records of every worker.

The format is the one Cucumber's own JSON formatter writes (and that Xray, Allure and cucumber-reporting
read): a list of features, each with `elements` (scenarios) holding `steps` whose `result` has a `status`
(`passed`, `failed`, `skipped`, `undefined`), a `duration` in nanoseconds and, when failed, an `error_message`.
Fixture setup and teardown failures appear as failed `before` and `after` hooks of the scenario. Data attached to
a scenario (`records.attach`: the platform's reports and the phones' timeline) travels as Cucumber embeddings
(`{"mime_type": "application/json", "name", "data": base64}`) of a passed `after` hook at `ATTACHMENTS_LOCATION`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from harness.reports.records import REPORT_ATTRIBUTE

_SLUG = re.compile(r"[^a-z0-9]+")
#: The location of the after hook that carries a scenario's attachments.
ATTACHMENTS_LOCATION = "mjlab:attachments"


def build(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cucumber JSON features from scenario records, ordered by feature path, then scenario line and row."""
    features: dict[str, dict[str, Any]] = {}
    ordered = sorted(records, key=lambda r: (r["feature"]["uri"], r["line"], r["example_index"] or 0))
    for record in ordered:
        feature = record["feature"]
        if feature["uri"] not in features:
            features[feature["uri"]] = {
                "uri": feature["uri"],
                "id": _slug(feature["name"] or feature["uri"]),
                "keyword": feature["keyword"],
                "name": feature["name"],
                "description": feature["description"],
                "line": feature["line"],
                "language": feature["language"],
                "tags": _tags(feature["tags"], feature["line"]),
                "elements": [],
            }
        element = features[feature["uri"]]
        element["elements"].append(_scenario(record, element["id"]))
    return list(features.values())


def _scenario(record: dict[str, Any], feature_id: str) -> dict[str, Any]:
    scenario_id = f"{feature_id};{_slug(record['name'])}"
    if record["example_index"] is not None:
        scenario_id += f";;{record['example_index'] + 2}"  # Cucumber counts the examples' header row as 1
    element: dict[str, Any] = {
        "id": scenario_id,
        "keyword": record["keyword"],
        "name": record["name"],
        "description": record["description"],
        "line": record["line"],
        "type": "scenario",
        "tags": _tags(record["tags"], record["line"]),
        "steps": [_step(step) for step in record["steps"]],
    }
    for hook in ("before", "after"):
        if record[hook] is not None:
            element[hook] = [record[hook]]
    if record.get("attachments"):
        element.setdefault("after", []).append(_attachments(record["attachments"]))
    return element


def _attachments(attachments: dict[str, Any]) -> dict[str, Any]:
    embeddings = [
        {
            "mime_type": "application/json",
            "name": name,
            "data": base64.b64encode(json.dumps(data, ensure_ascii=False).encode()).decode("ascii"),
        }
        for name, data in attachments.items()
    ]
    return {
        "match": {"location": ATTACHMENTS_LOCATION},
        "result": {"status": "passed", "duration": 0},
        "embeddings": embeddings,
    }


def attachments(element: dict[str, Any]) -> dict[str, Any]:
    """The data attached to a scenario element, by name (decoded from its JSON embeddings)."""
    found: dict[str, Any] = {}
    for hook in element.get("after", []):
        for embedding in hook.get("embeddings", []):
            if embedding.get("mime_type") == "application/json" and embedding.get("name"):
                found[embedding["name"]] = json.loads(base64.b64decode(embedding["data"]))
    return found


def _step(step: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"status": step["status"], "duration": step["duration"]}
    if step["error_message"] is not None and step["status"] in ("failed", "undefined"):
        result["error_message"] = step["error_message"]
    keyword: str = step["keyword"].strip()
    element: dict[str, Any] = {
        # Cucumber keeps the space between keyword and text ("Given "), except after an elision ("Etant donné qu'").
        "keyword": keyword if keyword.endswith("'") else f"{keyword} ",
        "name": step["name"],
        "line": step["line"],
        "match": {"location": step["location"]},
        "result": result,
    }
    if step["docstring"] is not None:
        element["doc_string"] = {"value": step["docstring"], "line": step["line"] + 1, "content_type": ""}
    if step["rows"] is not None:
        element["rows"] = [{"cells": row} for row in step["rows"]]
    return element


def _tags(tags: list[str], line: int) -> list[dict[str, Any]]:
    return [{"name": f"@{tag}", "line": max(line - 1, 1)} for tag in tags]


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def scenario_status(element: dict[str, Any]) -> str:
    """A scenario's status from its hooks and steps: failed, undefined, skipped or passed, first found wins."""
    results = [hook["result"] for hook in element.get("before", []) + element.get("after", [])]
    statuses = {result["status"] for result in results + [step["result"] for step in element["steps"]]}
    return next((s for s in ("failed", "undefined", "skipped") if s in statuses), "passed")


class CucumberJsonWriter:
    """Collects scenario records from reports (local or from xdist workers) and writes the file at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the record a teardown report carries."""
        record = getattr(report, REPORT_ATTRIBUTE, None)
        if record is not None:
            self.records[report.nodeid] = record

    def write(self) -> Path:
        """Write the report; return its path."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(build(self.records.values()), indent=2, ensure_ascii=False) + "\n")
        return self.path
