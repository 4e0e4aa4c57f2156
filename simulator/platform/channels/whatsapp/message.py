"""The WhatsApp message a campaign or journey sends, and how it becomes a Cloud API send.

Exactly one of:

- `text`: free-form text (`"Hi {{ profile.firstName }}"`, or `{"body", "preview_url"}`), allowed only inside the
  person's 24-hour window;
- `template`: an approved template by `name` and `language`, with body `parameters` (a list for `{{1}}`… or a
  mapping for named ones), `header_parameters`, and quick-reply `payloads` by button index;
- `interactive`: a `body` with reply `buttons` (1 to 3, titles ≤ 20) or a list (`button` label and `sections` of
  `rows`, 10 rows at most in all);
- `media`: an image, video, document or audio by `link`, with an optional `caption`.

Every text may hold personalization expressions; Meta's length limits are checked at authoring time on text without
expressions, and by the provider after rendering on the rest.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from simulator.platform.personalization import render

_EXPRESSION = ("{{", "{%")


def _limit(size: int) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > size and not any(mark in value for mark in _EXPRESSION):
            raise ValueError(f"at most {size} characters (WhatsApp's limit), got {len(value)}")
        return value

    return AfterValidator(check)


# Non-empty strings of at most N characters, unless they hold an expression (checked after rendering).
Text20 = Annotated[str, Field(min_length=1), _limit(20)]
Text24 = Annotated[str, Field(min_length=1), _limit(24)]
Text60 = Annotated[str, Field(min_length=1), _limit(60)]
Text72 = Annotated[str, Field(min_length=1), _limit(72)]
Text1024 = Annotated[str, Field(min_length=1), _limit(1024)]
Text4096 = Annotated[str, Field(min_length=1), _limit(4096)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TextContent(_Model):
    """Free-form text."""

    body: Text4096
    preview_url: bool = False


class TemplateContent(_Model):
    """An approved template and the values of its placeholders."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(default="en_US", min_length=2, max_length=10)
    parameters: list[str] | dict[str, str] = Field(default_factory=list, description="body placeholders")
    header_parameters: list[str] = Field(default_factory=list)
    payloads: list[str] = Field(default_factory=list, description="quick-reply payloads, by button index")


class ReplyButton(_Model):
    """A reply button under an interactive message."""

    id: str = Field(min_length=1, max_length=256)
    title: Text20


class ListRow(_Model):
    """One choice of a list message."""

    id: str = Field(min_length=1, max_length=200)
    title: Text24
    description: Text72 | None = None


class ListSection(_Model):
    """A titled group of rows."""

    title: Text24 | None = None
    rows: list[ListRow] = Field(min_length=1, max_length=10)


class InteractiveContent(_Model):
    """Reply buttons, or a list behind a button."""

    body: Text4096
    header: Text60 | None = None
    footer: Text60 | None = None
    buttons: list[ReplyButton] | None = Field(default=None, min_length=1, max_length=3)
    button: Text20 | None = Field(default=None, description="the label that opens a list")
    sections: list[ListSection] | None = Field(default=None, min_length=1, max_length=10)

    @model_validator(mode="after")
    def _buttons_or_list(self) -> InteractiveContent:
        if (self.buttons is None) == (self.sections is None):
            raise ValueError("give reply buttons, or a list (button and sections), not both")
        if self.sections is not None:
            if self.button is None:
                raise ValueError("a list needs its button label")
            if sum(len(s.rows) for s in self.sections) > 10:
                raise ValueError("a list has at most 10 rows in all")
            ids = [row.id for s in self.sections for row in s.rows]
        else:
            assert self.buttons is not None
            ids = [b.id for b in self.buttons]
        if len(ids) != len(set(ids)):
            raise ValueError("button and row ids are unique")
        return self


class MediaContent(_Model):
    """An image, video, document or audio file by URL."""

    kind: Literal["image", "video", "document", "audio"] = "image"
    link: str = Field(pattern=r"^https?://")
    caption: Text1024 | None = None
    filename: str | None = None


class WhatsAppMessage(_Model):
    """A WhatsApp message as authored in the platform: text, a template, an interactive message or media."""

    text: TextContent | None = None
    template: TemplateContent | None = None
    interactive: InteractiveContent | None = None
    media: MediaContent | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return {"body": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self) -> WhatsAppMessage:
        given = [name for name in ("text", "template", "interactive", "media") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of text, template, interactive, media (got {given or 'none'})")
        return self

    @property
    def kind(self) -> str:
        """Which of text, template, interactive or media this is."""
        return next(n for n in ("text", "template", "interactive", "media") if getattr(self, n) is not None)


def cloud_api_body(message: WhatsAppMessage, to: str) -> dict[str, Any]:
    """The `POST /{version}/{phone_number_id}/messages` body for `message` to `to` (digits)."""
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to}
    if message.text is not None:
        body.update(type="text", text={"preview_url": message.text.preview_url, "body": message.text.body})
    elif message.template is not None:
        body.update(type="template", template=_template(message.template))
    elif message.interactive is not None:
        body.update(type="interactive", interactive=_interactive(message.interactive))
    else:
        media = message.media
        assert media is not None
        content: dict[str, Any] = {"link": media.link}
        if media.caption is not None:
            content["caption"] = media.caption
        if media.filename is not None:
            content["filename"] = media.filename
        body.update({"type": media.kind, media.kind: content})
    return body


def _template(template: TemplateContent) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    if template.header_parameters:
        header = [{"type": "text", "text": v} for v in template.header_parameters]
        components.append({"type": "header", "parameters": header})
    if isinstance(template.parameters, dict):
        parameters = [{"type": "text", "parameter_name": k, "text": v} for k, v in template.parameters.items()]
    else:
        parameters = [{"type": "text", "text": v} for v in template.parameters]
    if parameters:
        components.append({"type": "body", "parameters": parameters})
    for index, payload in enumerate(template.payloads):
        components.append(
            {"type": "button", "sub_type": "quick_reply", "index": str(index),
             "parameters": [{"type": "payload", "payload": payload}]}
        )  # fmt: skip
    return {"name": template.name, "language": {"code": template.language}, "components": components}


def _interactive(content: InteractiveContent) -> dict[str, Any]:
    interactive: dict[str, Any] = {"type": "button" if content.buttons is not None else "list"}
    if content.header is not None:
        interactive["header"] = {"type": "text", "text": content.header}
    interactive["body"] = {"text": content.body}
    if content.footer is not None:
        interactive["footer"] = {"text": content.footer}
    if content.buttons is not None:
        buttons = [{"type": "reply", "reply": {"id": b.id, "title": b.title}} for b in content.buttons]
        interactive["action"] = {"buttons": buttons}
    else:
        assert content.sections is not None
        sections = [s.model_dump(exclude_none=True) for s in content.sections]
        interactive["action"] = {"button": content.button, "sections": sections}
    return interactive


_FIXED_KEYS = frozenset({"messaging_product", "recipient_type", "to", "type", "id", "sub_type", "index", "code"})


def render_body(value: Any, variables: dict[str, Any], key: str = "") -> Any:
    """Render every text of a Cloud API body (ids and envelope fields stay as they are); RenderingError."""
    if isinstance(value, dict):
        return {k: render_body(v, variables, k) for k, v in value.items()}
    if isinstance(value, list):
        return [render_body(v, variables, key) for v in value]
    if isinstance(value, str) and key not in _FIXED_KEYS:
        return render(value, variables)
    return value
