"""Data capture: landing pages served by the platform, whose form writes to the profile of the person who fills it.

    PUT  /landing-pages/{page}   configure a page in the sandbox (`x-sandbox-name`): a `LandingPage`
    GET  /landing-pages/{page}   its configuration, and its public URL
    GET  /lp/{page}?sandbox=S    the page: an HTML form (email, phone, one consent checkbox per channel, custom fields)
    POST /lp/{page}?sandbox=S    the form submitted (`application/x-www-form-urlencoded`)

A page is public: a phone's browser has no `x-sandbox-name` header, so the page names its sandbox in its URL's
`sandbox` query parameter (the header is accepted too; without either, `prod`). The form posts back to the same URL.

A submission finds the profile by email, then by phone, or creates one with both identities; it links the other
identity when no other profile holds it (a profile never takes an identity from another). Each consent checkbox the
page shows sets `consents.marketing.<channel>.val`: ticked is `y`; **not ticked is `n`** — the form states the
person's choice for every channel it asks about, so unticking a box there withdraws that consent. Custom fields are
written to the profile attributes they map to (`loyalty.tier` merges into the `loyalty` object). Then the event
`form.submitted` is recorded (`{"page", "consents", "fields", "created"}`): journeys can enter on it. The profile is
changed before the answer is sent, so the very next send sees the new consents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulator.platform.errors import NotFound, PlatformError
from simulator.platform.models import ConsentEntry, Consents, ProfileCreate, ProfilePatch
from simulator.sandboxes import DEFAULT_SANDBOX, Sandbox

if TYPE_CHECKING:
    from simulator.platform.service import Platform

PAGE_NAME = r"^[a-z0-9][a-z0-9_\-]{0,63}$"
ConsentChannel = Literal["push", "sms", "email", "whatsapp"]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+[1-9]\d{6,14}$")
#: The checkbox label of each channel's consent.
CONSENT_LABELS: dict[str, str] = {
    "push": "Send me offers as push notifications",
    "sms": "Send me offers by SMS",
    "email": "Send me offers by email",
    "whatsapp": "Send me offers on WhatsApp",
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CustomField(_Body):
    """A field of the form written to a profile attribute."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", description="the form field's name")
    label: str = ""
    attribute: str | None = Field(
        default=None, pattern=r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$", description="dotted path (default: name)"
    )
    type: Literal["text", "number", "checkbox"] = "text"
    required: bool = False

    @property
    def path(self) -> list[str]:
        """The attribute path it writes to."""
        return (self.attribute or self.name).split(".")


class LandingPage(_Body):
    """A landing page's form: which identities it asks for, which consents, which custom fields."""

    title: str = "Stay in touch"
    intro: str = ""
    email: bool = Field(default=True, description="ask for an email address")
    phone: bool = Field(default=False, description="ask for a mobile number (E.164)")
    consents: list[ConsentChannel] = Field(default_factory=list, description="one checkbox per channel")
    custom: list[CustomField] = Field(default_factory=list)
    submit: str = "Subscribe"
    thanks: str = "Thank you! Your preferences are saved."

    @model_validator(mode="after")
    def _sound(self) -> LandingPage:
        if not (self.email or self.phone):
            raise ValueError("a landing page asks for an email, a phone number, or both")
        if len(set(self.consents)) != len(self.consents):
            raise ValueError("each channel's consent appears once")
        names = [f.name for f in self.custom]
        if len(set(names)) != len(names) or {"email", "phone"} & set(names):
            raise ValueError("custom field names are unique and not email or phone")
        return self


class FormInvalid(PlatformError):
    """A submission the form refuses (each problem by field)."""

    status = 422
    code = "FormInvalid"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {why}" for name, why in problems.items()), field=next(iter(problems)))
        self.problems = problems


@dataclass
class Submission:
    """What a submission did."""

    profile_id: str
    created: bool
    consents: dict[str, str] = field(default_factory=dict)
    fields: dict[str, Any] = field(default_factory=dict)


class LandingPages:
    """Every sandbox's landing pages, and what submitting them does."""

    def __init__(self, platform: Platform) -> None:
        self.platform = platform
        self._pages: dict[str, dict[str, LandingPage]] = {}
        platform.sandboxes.on_close(self._forget)

    def _forget(self, sandbox: Sandbox) -> None:
        self._pages.pop(sandbox.name, None)

    def put(self, sandbox: str, name: str, page: LandingPage) -> LandingPage:
        """Create or replace a page."""
        self.platform.state(sandbox)
        self._pages.setdefault(sandbox, {})[name] = page
        return page

    def get(self, sandbox: str, name: str) -> LandingPage:
        """A page; NotFound when the sandbox has no such page."""
        self.platform.state(sandbox)
        page = self._pages.get(sandbox, {}).get(name)
        if page is None:
            raise NotFound(f"no landing page {name!r} in sandbox {sandbox!r}", field="page")
        return page

    def submit(self, sandbox: str, name: str, form: dict[str, str]) -> Submission:
        """Apply a filled-in form to the profile it names (found or created); FormInvalid when it cannot."""
        page = self.get(sandbox, name)
        state = self.platform.state(sandbox)
        email, phone, attributes, problems = _read(page, form)
        if problems:
            raise FormInvalid(problems)
        consents: dict[str, str] = {c: "y" if form.get(f"consent.{c}") else "n" for c in page.consents}
        marketing = Consents.model_validate({"marketing": {c: ConsentEntry(val=v) for c, v in consents.items()}})
        identities = {ns: value for ns, value in (("email", email), ("phone", phone)) if value}
        profile = next((p for ns, v in identities.items() if (p := state.profiles.find(ns, v)) is not None), None)
        created = profile is None
        if profile is None:
            merged = _merge({}, attributes)
            body = ProfileCreate(identities=identities, attributes=merged, consents=marketing)
            profile = self.platform.create_profile(sandbox, body)
        else:
            for namespace, value in identities.items():
                if state.profiles.find(namespace, value) is None:
                    state.profiles.link(profile, namespace, value)
            merged = _merge(profile.attributes, attributes)
            self.platform.patch_profile(sandbox, profile.id, ProfilePatch(attributes=merged, consents=marketing))
        fields = {".".join(path): value for path, value in attributes}
        event = {"page": name, "consents": consents, "fields": fields, "created": created}
        self.platform.record_event(
            state, profile, {"xdm": {"eventType": "form.submitted", "_id": state.sandbox.ids.uuid()}, "data": event}
        )
        return Submission(profile.id, created, consents, fields)


def _read(
    page: LandingPage, form: dict[str, str]
) -> tuple[str | None, str | None, list[tuple[list[str], Any]], dict[str, str]]:
    problems: dict[str, str] = {}
    email = form.get("email", "").strip() if page.email else ""
    phone = re.sub(r"[\s\-().]", "", form.get("phone", "")) if page.phone else ""
    if email and not EMAIL.match(email):
        problems["email"] = "not an email address"
    if phone and not PHONE.match(phone):
        problems["phone"] = "not a mobile number in international form (+33612345678)"
    if not email and not phone:
        asked = " or ".join(k for k in ("email", "phone") if getattr(page, k))
        problems["email" if page.email else "phone"] = f"give your {asked}"
    attributes: list[tuple[list[str], Any]] = []
    for custom in page.custom:
        raw = form.get(custom.name, "").strip()
        if custom.type == "checkbox":
            attributes.append((custom.path, bool(raw)))
        elif not raw:
            if custom.required:
                problems[custom.name] = "required"
        elif custom.type == "number":
            try:
                number = float(raw)
            except ValueError:
                problems[custom.name] = "not a number"
                continue
            attributes.append((custom.path, int(number) if number.is_integer() else number))
        else:
            attributes.append((custom.path, raw))
    return email or None, phone or None, attributes, problems


def _merge(current: dict[str, Any], attributes: list[tuple[list[str], Any]]) -> dict[str, Any]:
    """Top-level attributes to patch: dotted paths merged into copies of the objects they live in."""
    merged: dict[str, Any] = {}
    for path, value in attributes:
        top = path[0]
        if len(path) == 1:
            merged[top] = value
            continue
        root: dict[str, Any] = _copy(merged.get(top, current.get(top)))
        node = root
        for key in path[1:-1]:
            node[key] = _copy(node.get(key))
            node = node[key]
        node[path[-1]] = value
        merged[top] = root
    return merged


def _copy(value: Any) -> dict[str, Any]:
    return {k: (_copy(v) if isinstance(v, dict) else v) for k, v in value.items()} if isinstance(value, dict) else {}


# -- the page -------------------------------------------------------------------------------------------------------

_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f8; color: #1d2330; }
main { max-width: 26rem; margin: 2rem auto; background: #fff; padding: 1.5rem; border-radius: .8rem; }
label { display: block; margin: .8rem 0 .2rem; font-weight: 600; } .check { font-weight: 400; }
input[type=email], input[type=tel], input[type=text], input[type=number] {
  width: 100%; box-sizing: border-box; padding: .55rem; border: 1px solid #bbc; border-radius: .4rem; }
button { margin-top: 1.2rem; width: 100%; padding: .7rem; border: 0; border-radius: .4rem; background: #2f5bd3;
  color: #fff; font-size: 1rem; } .problem { color: #b71c1c; font-size: .9rem; }
"""


def page_url(name: str, sandbox: str) -> str:
    """The page's path, naming its sandbox."""
    return f"/lp/{quote(name)}?sandbox={quote(sandbox)}"


def render_form(
    name: str,
    sandbox: str,
    page: LandingPage,
    form: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
) -> str:
    """The page's HTML form (with what was typed and what is wrong, after a refused submission)."""
    form, problems = form or {}, problems or {}

    def problem(key: str) -> str:
        return f'<div class="problem" id="{key}-problem">{escape(problems[key])}</div>' if key in problems else ""

    def text_input(key: str, label: str, kind: str) -> str:
        value = escape(form.get(key, ""), quote=True)
        return (
            f'<label for="{key}">{escape(label)}</label>'
            f'<input id="{key}" name="{key}" type="{kind}" value="{value}">{problem(key)}'
        )

    parts = []
    if page.email:
        parts.append(text_input("email", "Email", "email"))
    if page.phone:
        parts.append(text_input("phone", "Mobile number", "tel"))
    for custom in page.custom:
        label = custom.label or custom.name
        if custom.type == "checkbox":
            checked = " checked" if form.get(custom.name) else ""
            parts.append(
                f'<label class="check"><input type="checkbox" name="{custom.name}" value="y"{checked}> '
                f"{escape(label)}</label>"
            )
        else:
            parts.append(text_input(custom.name, label, custom.type))
    for channel in page.consents:
        checked = " checked" if form.get(f"consent.{channel}") else ""
        parts.append(
            f'<label class="check"><input type="checkbox" name="consent.{channel}" value="y"{checked}> '
            f"{escape(CONSENT_LABELS[channel])}</label>"
        )
    intro = f"<p>{escape(page.intro)}</p>" if page.intro else ""
    body = (
        f'<h1>{escape(page.title)}</h1>{intro}<form method="post" action="{escape(page_url(name, sandbox))}">'
        f'{"".join(parts)}<button type="submit">{escape(page.submit)}</button></form>'
    )
    return _document(page.title, body)


def render_thanks(page: LandingPage, submission: Submission) -> str:
    """The page shown after a submission: the choices it recorded."""
    choices = "".join(
        f"<li>{escape(CONSENT_LABELS[c])}: {'yes' if v == 'y' else 'no'}</li>" for c, v in submission.consents.items()
    )
    listed = f"<ul>{choices}</ul>" if choices else ""
    return _document(page.title, f'<h1>{escape(page.title)}</h1><p id="thanks">{escape(page.thanks)}</p>{listed}')


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>\n"
    )


def _error_page(error: PlatformError) -> HTMLResponse:
    text = escape(error.message)
    return HTMLResponse(_document("Not available", f"<h1>Not available</h1><p>{text}</p>"), status_code=error.status)


SandboxQuery = Annotated[str | None, Query(alias="sandbox", description="the page's sandbox")]
SandboxHeader = Annotated[str | None, Header(alias="x-sandbox-name")]
SandboxName = Annotated[str, Header(alias="x-sandbox-name", description="the sandbox to act in")]


def capture_router(pages: LandingPages) -> APIRouter:
    """The landing-page routes."""
    router = APIRouter(tags=["data capture"])

    @router.put("/landing-pages/{page}")
    async def configure(
        page: Annotated[str, Path(pattern=PAGE_NAME)], body: LandingPage, sandbox: SandboxName = DEFAULT_SANDBOX
    ) -> dict[str, Any]:
        pages.put(sandbox, page, body)
        return {"page": page, "url": page_url(page, sandbox), **body.model_dump(mode="json")}

    @router.get("/landing-pages/{page}")
    async def configuration(page: str, sandbox: SandboxName = DEFAULT_SANDBOX) -> dict[str, Any]:
        found = pages.get(sandbox, page)
        return {"page": page, "url": page_url(page, sandbox), **found.model_dump(mode="json")}

    @router.get("/lp/{page}", response_class=HTMLResponse)
    async def show(page: str, sandbox: SandboxQuery = None, header: SandboxHeader = None) -> HTMLResponse:
        where = sandbox or header or DEFAULT_SANDBOX
        try:
            found = pages.get(where, page)
        except PlatformError as error:
            return _error_page(error)
        return HTMLResponse(render_form(page, where, found))

    @router.post("/lp/{page}", response_class=HTMLResponse)
    async def submit(
        page: str, request: Request, sandbox: SandboxQuery = None, header: SandboxHeader = None
    ) -> HTMLResponse:
        where = sandbox or header or DEFAULT_SANDBOX
        if "multipart/" in request.headers.get("content-type", ""):
            return HTMLResponse(_document("Unsupported", "<p>Send the form url-encoded.</p>"), status_code=415)
        raw = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
        form = {key: values[-1] for key, values in raw.items()}
        try:
            found = pages.get(where, page)
            done = pages.submit(where, page, form)
        except FormInvalid as invalid:
            return HTMLResponse(render_form(page, where, found, form, invalid.problems), status_code=422)
        except PlatformError as error:
            return _error_page(error)
        return HTMLResponse(render_thanks(found, done))

    return router


__all__ = ["FormInvalid", "LandingPage", "LandingPages", "Submission", "capture_router", "page_url"]
