"""Messages by reference: `message_ref: welcome-push.yaml` names a file under `fixtures/messages/`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml


#: Where message files are looked up; `MJLAB_FIXTURES` overrides the project's `fixtures/`.
def fixtures_root() -> Path:
    """The fixtures folder: `$MJLAB_FIXTURES`, else `fixtures/` in the working directory."""
    return Path(os.environ.get("MJLAB_FIXTURES", "fixtures"))


def load_message(reference: str) -> dict[str, Any]:
    """The message in `fixtures/messages/<reference>` (YAML or JSON); ValueError when it is not a mapping."""
    path = Path(reference)
    if not path.is_absolute():
        path = fixtures_root() / "messages" / reference
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a message file holds a mapping of fields")
    return data
