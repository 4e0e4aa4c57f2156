"""Message templates: registered per business account, approved or not, and rendered from a send's parameters.

A template has a name, a language, a category (MARKETING, UTILITY, AUTHENTICATION), a status (APPROVED, PENDING,
REJECTED, PAUSED, DISABLED) and Meta's components: an optional header (text or media), a body, an optional footer,
and buttons (quick replies, URLs). Placeholders are positional (`{{1}}`, `{{2}}`) or named (`{{first_name}}`).

Sending one is checked as Meta checks it, in this order:

1. `template.name` and `template.language.code` present (131008);
2. the name exists in that language and is approved (132001 `template name (x) does not exist in en_US`; an
   unapproved one answers the same, as Meta's does); paused 132015; disabled 132016;
3. each component's parameters: `body: number of localizable_params (1) does not match the expected number of
   params (2)` (132000), named parameters for a named template (132012), a text parameter without text (100), a URL
   button with a placeholder and no parameter (131008).

Rendering substitutes the parameters into the header, body and URL buttons; a quick reply's payload is the one
sent for its index, or its text when none was sent (as WhatsApp does).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from simulator.gateways.whatsapp.errors import WhatsAppError, invalid_parameter, missing
from simulator.gateways.whatsapp.models import TemplateCreate
from simulator.sandboxes import Sandbox

PLACEHOLDER = re.compile(r"{{\s*([A-Za-z0-9_]+)\s*}}")
MAX_BUTTONS = 10
MAX_QUICK_REPLY_TEXT = 25
MEDIA_FORMATS = frozenset({"IMAGE", "VIDEO", "DOCUMENT"})
_SENDABLE = "APPROVED"


@dataclass(frozen=True, slots=True)
class TemplateButton:
    """A button of a template: a quick reply (its text) or a URL (which may hold one placeholder)."""

    type: str
    text: str
    url: str | None = None


@dataclass(slots=True, eq=False)
class Template:
    """One registered template in one language."""

    id: str
    waba_id: str
    name: str
    language: str
    category: str
    status: str
    components: list[dict[str, Any]]
    header_format: str | None = None
    header_text: str | None = None
    body: str = ""
    footer: str | None = None
    buttons: list[TemplateButton] = field(default_factory=list)

    def placeholders(self, text: str | None) -> list[str]:
        """The placeholders of a text, in order of first appearance."""
        seen: list[str] = []
        for name in PLACEHOLDER.findall(text or ""):
            if name not in seen:
                seen.append(name)
        return seen

    @property
    def named(self) -> bool:
        """True when the template uses named placeholders (`{{first_name}}`)."""
        return any(not p.isdigit() for p in self.placeholders(self.body) + self.placeholders(self.header_text))

    def to_json(self) -> dict[str, Any]:
        """As Meta's template API lists it."""
        return {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "category": self.category,
            "status": self.status,
            "components": self.components,
        }


@dataclass(frozen=True, slots=True)
class RenderedTemplate:
    """What the recipient sees: the template with every placeholder filled."""

    header: dict[str, Any] | None
    body: str
    footer: str | None
    buttons: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, as phones read it."""
        return {"header": self.header, "body": self.body, "footer": self.footer, "buttons": self.buttons}


class TemplateRegistry:
    """Templates of every business account, by (account, name, language)."""

    def __init__(self) -> None:
        self._templates: dict[tuple[str, str, str], Template] = {}

    def register(self, body: TemplateCreate, owner: Sandbox) -> Template:
        """Add (or replace) a template; ValueError naming what Meta's template review would refuse."""
        key = (body.waba_id, body.name, body.language)
        existing = self._templates.get(key)
        template = _parse(body, existing.id if existing else owner.ids.digits(15))
        self._templates[key] = template
        return template

    def find(self, waba_id: str, name: str, language: str) -> Template | None:
        """A template by account, name and language."""
        return self._templates.get((waba_id, name, language))

    def of(self, waba_id: str) -> list[Template]:
        """Every template of an account."""
        return [t for (account, _, _), t in self._templates.items() if account == waba_id]

    def forget(self, waba_ids: set[str]) -> None:
        """Drop the templates of these accounts."""
        self._templates = {k: t for k, t in self._templates.items() if k[0] not in waba_ids}

    def render(self, waba_id: str, sent: Any) -> tuple[Template, RenderedTemplate]:
        """Check a send's `template` object against the registry and fill the template; Meta's error otherwise."""
        if not isinstance(sent, dict):
            raise missing("The parameter template is required.")
        name = sent.get("name")
        if not isinstance(name, str) or not name:
            raise missing("The parameter template['name'] is required.")
        language = sent.get("language")
        code = language.get("code") if isinstance(language, dict) else None
        if not isinstance(code, str) or not code:
            raise missing("The parameter template['language']['code'] is required.")
        template = self.find(waba_id, name, code)
        if template is None or template.status in ("PENDING", "REJECTED"):
            raise WhatsAppError(132001, f"template name ({name}) does not exist in {code}")
        if template.status == "PAUSED":
            raise WhatsAppError(132015)
        if template.status == "DISABLED":
            raise WhatsAppError(132016)
        components = sent.get("components") or []
        if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
            raise invalid_parameter("The parameter template['components'] must be an array of objects.")
        return template, _fill(template, components)


def _parse(body: TemplateCreate, template_id: str) -> Template:
    template = Template(
        id=template_id,
        waba_id=body.waba_id,
        name=body.name,
        language=body.language,
        category=body.category,
        status=body.status,
        components=body.components,
    )
    for component in body.components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            template.header_format = str(component.get("format", "TEXT")).upper()
            template.header_text = component.get("text") if template.header_format == "TEXT" else None
        elif kind == "BODY":
            template.body = str(component.get("text", ""))
        elif kind == "FOOTER":
            template.footer = str(component.get("text", ""))
        elif kind == "BUTTONS":
            template.buttons = [_button(b) for b in component.get("buttons") or []]
        else:
            raise ValueError(f"unknown template component type {component.get('type')!r}")
    if not template.body:
        raise ValueError("a template needs a BODY component with text")
    if len(template.buttons) > MAX_BUTTONS:
        raise ValueError(f"a template has at most {MAX_BUTTONS} buttons")
    kinds = {p.isdigit() for p in template.placeholders(template.body) + template.placeholders(template.header_text)}
    if len(kinds) > 1:
        raise ValueError("a template's placeholders are all positional ({{1}}) or all named ({{name}})")
    return template


def _button(raw: dict[str, Any]) -> TemplateButton:
    kind = str(raw.get("type", "")).upper()
    text = str(raw.get("text", ""))
    if kind not in ("QUICK_REPLY", "URL", "PHONE_NUMBER"):
        raise ValueError(f"unsupported template button type {raw.get('type')!r}")
    if not text or (kind == "QUICK_REPLY" and len(text) > MAX_QUICK_REPLY_TEXT):
        raise ValueError(f"a quick reply button's text has 1 to {MAX_QUICK_REPLY_TEXT} characters: {text!r}")
    if kind == "URL" and not raw.get("url"):
        raise ValueError(f"URL button {text!r} needs a url")
    return TemplateButton(kind, text, raw.get("url") or raw.get("phone_number"))


def _fill(template: Template, components: list[dict[str, Any]]) -> RenderedTemplate:
    by_type: dict[str, dict[str, Any]] = {}
    button_params: dict[int, dict[str, Any]] = {}
    for component in components:
        kind = str(component.get("type", "")).lower()
        if kind == "button":
            index = _index(component.get("index"))
            button_params[index] = component
        elif kind in ("header", "body"):
            by_type[kind] = component
        else:
            raise invalid_parameter(f"Invalid component type: {component.get('type')}")
    header: dict[str, Any] | None = None
    if template.header_format == "TEXT":
        header = {"format": "TEXT", "text": _substitute(template, "header", template.header_text, by_type)}
    elif template.header_format in MEDIA_FORMATS:
        header = _media_header(template.header_format, by_type.get("header"))
    body = _substitute(template, "body", template.body, by_type)
    return RenderedTemplate(header, body, template.footer, _buttons(template, button_params))


def _index(raw: Any) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise missing("buttons: the parameter index is required for a button component.") from None


def _substitute(template: Template, kind: str, text: str | None, by_type: dict[str, dict[str, Any]]) -> str:
    expected = template.placeholders(text)
    parameters = (by_type.get(kind) or {}).get("parameters") or []
    if len(parameters) != len(expected):
        raise WhatsAppError(
            132000,
            f"{kind}: number of localizable_params ({len(parameters)}) does not match the expected number of params "
            f"({len(expected)})",
        )
    values: dict[str, str] = {}
    for position, parameter in enumerate(parameters, start=1):
        value = _text_value(parameter)
        given_name = parameter.get("parameter_name") if isinstance(parameter, dict) else None
        if template.named != (given_name is not None):
            raise WhatsAppError(132012, f"{kind}: parameter {position} does not match the template's parameter format")
        values[str(given_name) if given_name is not None else str(position)] = value
    unknown = [name for name in expected if name not in values]
    if unknown:
        raise WhatsAppError(132012, f"{kind}: missing named parameter(s) {', '.join(unknown)}")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text or "")


def _text_value(parameter: Any) -> str:
    if not isinstance(parameter, dict):
        raise invalid_parameter("Each template parameter must be an object.")
    kind = parameter.get("type")
    if kind == "text":
        text = parameter.get("text")
        if not isinstance(text, str) or text == "":
            raise invalid_parameter("Parameter 'text' is mandatory for component parameter type 'text'")
        return text
    if kind in ("currency", "date_time"):
        value = parameter.get(kind)
        fallback = value.get("fallback_value") if isinstance(value, dict) else None
        if not isinstance(fallback, str):
            raise missing(f"The parameter {kind}['fallback_value'] is required.")
        return fallback
    raise invalid_parameter(f"Invalid parameter type {kind!r} for a text placeholder")


def _media_header(media_format: str, component: dict[str, Any] | None) -> dict[str, Any]:
    kind = media_format.lower()
    parameters = (component or {}).get("parameters") or []
    media = parameters[0].get(kind) if parameters and isinstance(parameters[0], dict) else None
    if not isinstance(media, dict) or not (media.get("link") or media.get("id")):
        raise missing(f"header: the {kind} of a {media_format} header is required (link or id).")
    return {"format": media_format, **{k: media[k] for k in ("link", "id", "filename") if k in media}}


def _buttons(template: Template, params: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    rendered: list[dict[str, Any]] = []
    for index, button in enumerate(template.buttons):
        given = (params.get(index) or {}).get("parameters") or []
        first = given[0] if given and isinstance(given[0], dict) else {}
        if button.type == "QUICK_REPLY":
            payload = first.get("payload") if first.get("type") == "payload" else None
            payload = payload or button.text
            rendered.append({"type": "QUICK_REPLY", "index": index, "text": button.text, "payload": payload})
        elif button.type == "URL":
            url = button.url or ""
            if PLACEHOLDER.search(url):
                if not isinstance(first.get("text"), str):
                    raise missing(f"buttons: Button at index {index} of type Url requires a parameter")
                url = PLACEHOLDER.sub(str(first["text"]).replace("\\", "\\\\"), url)
            rendered.append({"type": "URL", "index": index, "text": button.text, "url": url})
        else:
            rendered.append({"type": button.type, "index": index, "text": button.text, "phone_number": button.url})
    return rendered
