"""The fake Twilio: authentication, Twilio's error codes, segments, the status lifecycle and its signed callbacks,
delivery failures, offline phones, keywords, inbound webhooks with TwiML replies, MMS media, RCS and its fallback."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from twilio_support import BUSINESS, INBOUND_URL, PERSON, STATUS_URL, World, load

from simulator.gateways.faults import FaultRule
from simulator.gateways.twilio import ContentCreate, ServiceCreate, SubscriberCreate, count_segments
from simulator.gateways.twilio.keywords import REPLIES, Keyword
from simulator.gateways.twilio.messages import rfc2822
from simulator.gateways.twilio.signature import compute_signature, is_valid_signature

pytestmark = pytest.mark.anyio


@pytest.fixture
def world() -> World:
    return World()


def body_of(spec: str) -> str:
    """`a*160+€` → 160 a's and a euro sign (how segments.json writes long bodies)."""
    text = ""
    for part in spec.split("+") if "*" in spec else [spec]:
        char, _, times = part.rpartition("*")
        text += char * int(times) if times.isdigit() and char else part
    return text


def fill(template: Any, **values: str) -> Any:
    if isinstance(template, dict):
        return {k: fill(v, **values) for k, v in template.items()}
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
    return template


# -- authentication and validation ----------------------------------------------------------------------------


async def test_an_unknown_account_or_a_wrong_token_is_refused_with_20003(world: World) -> None:
    expected = load("authenticate.json")["answer"]
    async with world.http() as http:
        wrong_token = await http.post(
            f"/2010-04-01/Accounts/{world.sid}/Messages.json",
            data={"To": PERSON, "From": BUSINESS, "Body": "x"}, auth=(world.sid, "not-the-token"),
        )  # fmt: skip
        unknown = await http.post(
            "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json",
            data={"To": PERSON, "From": BUSINESS, "Body": "x"}, auth=("AC00000000000000000000000000000000", "t"),
        )  # fmt: skip
        anonymous = await http.get(f"/2010-04-01/Accounts/{world.sid}/Messages.json")
    for answer in (wrong_token, unknown, anonymous):
        assert answer.status_code == expected["status"]
        assert answer.json() == expected["body"]
        assert answer.headers["www-authenticate"] == expected["headers"]["www-authenticate"]
    assert len(world.gateway.messages) == 0
    assert [call.status for call in world.gateway.calls] == [401, 401]


@pytest.mark.parametrize("case", load("errors.json")["cases"], ids=lambda case: case["name"])
async def test_each_refusal_answers_twilios_code_status_and_message(world: World, case: dict[str, Any]) -> None:
    form: dict[str, Any] = {**load("errors.json")["base_form"], **case["form"]}
    if form.get("Body") == "@1601":
        form["Body"] = "x" * 1601
    if form.get("MediaUrl") == "@11":
        form["MediaUrl"] = [f"http://hooks.test/{i}.png" for i in range(11)]
    if "subscriber" in case:
        world.gateway.set_subscriber(SubscriberCreate(sandbox="prod", **case["subscriber"]))
    answer = await world.send(**{k: form.get(k) for k in ("To", "From", "Body")}, **{
        k: v for k, v in form.items() if k not in ("To", "From", "Body")
    })  # fmt: skip
    code = case["code"]
    assert (answer.status, answer.body) == (
        case["status"],
        {
            "code": code,
            "message": case["message"],
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": 400,
        },
    )
    assert world.gateway.calls.last is not None and world.gateway.calls.last.reason == str(code)
    assert len(world.gateway.messages) == 0


async def test_a_body_of_exactly_1600_characters_and_ten_media_are_accepted(world: World) -> None:
    answer = await world.send(Body="x" * 1600, MediaUrl=[f"http://hooks.test/cat.png?{i}" for i in range(10)])
    assert answer.status == 201
    assert (answer.body["num_segments"], answer.body["num_media"]) == ("11", "10")


async def test_an_injected_fault_answers_20429_with_429_then_sends_again(world: World) -> None:
    world.gateway.faults.add(FaultRule(error="20429", status=429, times=1))
    limited = await world.send()
    assert (limited.status, limited.body["code"], limited.body["message"]) == (429, 20429, "Too Many Requests")
    assert (await world.send()).status == 201


# -- the resource -------------------------------------------------------------------------------------------


async def test_a_created_message_is_twilios_resource_field_for_field(world: World) -> None:
    recorded = load("message_created.json")
    async with world.http() as http:
        answer = await http.post(
            recorded["request"]["path"].format(account_sid=world.sid),
            data=recorded["request"]["form"],
            auth=(world.sid, world.grant.auth_token),
        )
    body = answer.json()
    assert answer.status_code == recorded["answer"]["status"]
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert body == fill(recorded["answer"]["body"], account_sid=world.sid, sid=body["sid"])
    assert body["date_created"] == rfc2822(world.clock.timestamp())


async def test_fetch_and_list_with_filters_and_twilios_paging_envelope(world: World) -> None:
    first = (await world.send(Body="one")).body
    await world.clock.advance(86_400)
    second = (await world.send(Body="two")).body
    await world.send(To="+15551230002", Body="three")
    fetched = world.gateway.fetch_message(world.sid, world.authorization, first["sid"])
    assert (fetched.status, fetched.body["sid"], fetched.body["status"]) == (200, first["sid"], "delivered")
    missing = world.gateway.fetch_message(world.sid, world.authorization, "SM" + "0" * 32)
    assert (missing.status, missing.body["code"]) == (404, 20404)

    page = world.gateway.list_messages(world.sid, world.authorization, {"To": PERSON, "PageSize": "1"}).body
    assert [m["sid"] for m in page["messages"]] == [second["sid"]]
    assert (page["page"], page["page_size"], page["start"], page["end"], page["previous_page_uri"]) == (
        0,
        1,
        0,
        0,
        None,
    )
    path = f"/2010-04-01/Accounts/{world.sid}/Messages.json"
    assert page["uri"] == f"{path}?To=%2B15551230001&PageSize=1&Page=0"
    assert page["next_page_uri"] == f"{path}?To=%2B15551230001&PageSize=1&Page=1"
    async with world.http() as http:
        following = (await http.get(page["next_page_uri"], auth=(world.sid, world.grant.auth_token))).json()
    assert [m["sid"] for m in following["messages"]] == [first["sid"]]
    assert following["next_page_uri"] is None

    day = world.gateway.list_messages(world.sid, world.authorization, {"DateSent": "2026-01-05"}).body
    assert [m["body"] for m in day["messages"]] == ["one"]
    after = world.gateway.list_messages(world.sid, world.authorization, {"DateSent>": "2026-01-06"}).body
    assert sorted(m["body"] for m in after["messages"]) == ["three", "two"]


# -- segments -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", load("segments.json")["cases"], ids=lambda case: case["name"])
def test_segments_are_counted_as_carriers_count_them(case: dict[str, Any]) -> None:
    counted = count_segments(body_of(case["body"]))
    assert (counted.encoding.value, counted.units, counted.count) == (case["encoding"], case["units"], case["segments"])


async def test_the_resource_and_the_phone_carry_the_segment_count(world: World) -> None:
    answer = await world.send(Body="Your code is ready 🎉 " + "x" * 60)
    assert answer.body["num_segments"] == "2"
    await world.clock.advance(2)
    received = world.threads.latest(BUSINESS)
    assert received.num_segments == 2
    assert world.gateway.messages.get(answer.body["sid"]).to_sim_json()["encoding"] == "UCS-2"  # type: ignore[union-attr]


# -- lifecycle and callbacks ----------------------------------------------------------------------------------


async def test_statuses_follow_the_clock_and_each_change_is_a_signed_callback(world: World) -> None:
    recorded = load("status_callback.json")
    sid = (await world.send(StatusCallback=STATUS_URL)).body["sid"]
    message = world.gateway.messages.get(sid)
    assert message is not None and message.status == "queued"
    start = world.clock.timestamp()
    for step in recorded["delivered"]:
        await world.clock.advance_to(start + step["at"])
        assert message.status == step["MessageStatus"]
    assert world.hooks.statuses(sid) == ["sending", "sent", "delivered"]
    assert world.threads.latest(BUSINESS).body == "Hello"
    validator = world.validator()
    for posted in world.hooks.posted:
        expected = fill(recorded["form"], account_sid=world.sid, sid=sid, status=posted.form["MessageStatus"])
        assert posted.form == expected
        assert validator.validate(posted.url, posted.form, posted.signature)
        assert not validator.validate(posted.url, {**posted.form, "MessageStatus": "read"}, posted.signature)
    assert [h["status"] for h in message.history] == ["queued", "sending", "sent", "delivered"]
    assert [h["at"] - start for h in message.history] == [0, 0, 1, 2]


@pytest.mark.parametrize("code", [30003, 30005, 30006, 30007])
async def test_a_failure_declared_for_a_number_ends_undelivered_with_its_code(world: World, code: int) -> None:
    world.gateway.set_subscriber(SubscriberCreate(sandbox="prod", phone_number=PERSON, failure=code))
    sid = (await world.send(StatusCallback=STATUS_URL)).body["sid"]
    await world.clock.advance(5)
    assert world.hooks.statuses(sid) == ["sending", "sent", "undelivered"]
    last = world.hooks.posted[-1].form
    assert {k: last[k] for k in ("MessageStatus", "ErrorCode")} == fill(
        load("status_callback.json")["undelivered"], code=str(code)
    )
    fetched = world.gateway.fetch_message(world.sid, world.authorization, sid).body
    assert (fetched["status"], fetched["error_code"]) == ("undelivered", code)
    assert world.phone.inboxes == {}


async def test_a_number_no_phone_holds_is_an_unknown_handset(world: World) -> None:
    sid = (await world.send(To="+15559990000")).body["sid"]
    await world.clock.advance(2)
    message = world.gateway.messages.get(sid)
    assert message is not None and (message.status, message.error_code) == ("undelivered", 30005)


async def test_an_offline_phone_gets_the_message_when_it_comes_back_online(world: World) -> None:
    await world.phone.go_offline()
    sid = (await world.send(StatusCallback=STATUS_URL)).body["sid"]
    await world.clock.advance(3600)
    assert world.hooks.statuses(sid) == ["sending", "sent"]
    assert [m.sid for m in world.gateway.courier.waiting(world.phone.device_id)] == [sid]
    await world.phone.go_online()
    await world.clock.settle()
    assert world.hooks.statuses(sid) == ["sending", "sent", "delivered"]
    assert world.threads.latest(BUSINESS).id == sid


async def test_a_phone_offline_past_the_retention_never_gets_it(world: World) -> None:
    await world.phone.go_offline()
    sid = (await world.send()).body["sid"]
    await world.clock.advance(72 * 3600 + 2)
    message = world.gateway.messages.get(sid)
    assert message is not None and (message.status, message.error_code) == ("undelivered", 30003)
    await world.phone.go_online()
    assert world.phone.inboxes == {}


# -- keywords and inbound -------------------------------------------------------------------------------------


async def test_stop_blocks_the_pair_with_a_confirmation_and_start_lifts_it(world: World) -> None:
    await world.send(Body="Sale today")
    await world.clock.advance(2)
    await world.threads.reply(BUSINESS, "  stop ")
    await world.clock.advance(2)
    assert world.threads.thread(BUSINESS).bodies() == ["Sale today", "  stop ", REPLIES[Keyword.OPT_OUT]]
    refused = await world.send(Body="Another sale")
    assert (refused.status, refused.body["code"]) == (400, 21610)
    other = await world.send(To="+15551230002", Body="Someone else")
    assert other.status == 201

    await world.threads.reply(BUSINESS, "Start")
    await world.clock.advance(2)
    assert world.threads.latest(BUSINESS).body == REPLIES[Keyword.OPT_IN]
    assert (await world.send(Body="Welcome back")).status == 201
    [stop, start] = world.hooks.inbound()
    assert (stop.form["OptOutType"], start.form["OptOutType"]) == ("STOP", "START")


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit", "REVOKE", "optout", "NO"])
async def test_every_opt_out_word_blocks(world: World, word: str) -> None:
    await world.threads.reply(BUSINESS, word)
    assert (await world.send()).body["code"] == 21610


async def test_help_is_answered_and_a_sentence_with_stop_is_no_keyword(world: World) -> None:
    await world.threads.reply(BUSINESS, "HELP")
    await world.threads.reply(BUSINESS, "please stop texting me")
    await world.clock.advance(2)
    assert world.threads.latest(BUSINESS).body == REPLIES[Keyword.HELP]
    assert (await world.send()).status == 201
    assert "OptOutType" not in world.hooks.inbound()[1].form


async def test_an_inbound_message_is_posted_signed_and_its_twiml_answered(world: World) -> None:
    recorded = load("inbound_webhook.json")
    world.hooks.twiml = recorded["answer"]["body"]
    sent = await world.threads.reply(BUSINESS, recorded["form"]["Body"])
    assert (sent["direction"], sent["status"]) == ("inbound", "received")
    await world.clock.advance(2)
    [posted] = world.hooks.inbound()
    assert posted.form == fill(recorded["form"], account_sid=world.sid, sid=sent["sid"])
    assert world.validator().validate(INBOUND_URL, posted.form, posted.signature)
    assert world.threads.latest(BUSINESS).body == "It left the warehouse this morning."
    inbound = world.gateway.messages.get(sent["sid"])
    assert inbound is not None and inbound.webhook is not None
    [reply_sid] = inbound.webhook["replies"]
    reply = world.gateway.messages.get(reply_sid)
    assert reply is not None and (reply.direction, reply.status, reply.from_) == (
        "outbound-reply",
        "delivered",
        BUSINESS,
    )


async def test_an_answer_that_is_not_twiml_sends_nothing(world: World) -> None:
    world.hooks.twiml = "thanks!"
    sent = await world.threads.reply(BUSINESS, "hi")
    await world.clock.advance(2)
    inbound = world.gateway.messages.get(sent["sid"])
    assert inbound is not None and inbound.webhook is not None
    assert inbound.webhook["replies"] == [] and "not a TwiML document" in inbound.webhook["error"]
    assert world.threads.thread(BUSINESS).bodies() == ["hi"]


async def test_a_text_to_a_number_nobody_has_is_refused(world: World) -> None:
    with pytest.raises(LookupError, match=r"\+15550000000"):
        await world.threads.reply("+15550000000", "hello?")


# -- MMS --------------------------------------------------------------------------------------------------------


async def test_an_mms_fetches_its_media_and_reaches_the_phone(world: World) -> None:
    hosted = world.gateway.host_media("image/jpeg", data=base64.b64encode(b"\xff\xd8jpeg").decode())
    answer = await world.send(Body="Your ticket", MediaUrl=[hosted, "http://hooks.test/cat.png"])
    assert answer.body["sid"].startswith("MM") and answer.body["num_media"] == "2"
    await world.clock.advance(2)
    received = world.threads.latest(BUSINESS)
    assert received.channel.value == "mms"
    assert received.media == [
        {"url": hosted, "content_type": "image/jpeg"},
        {"url": "http://hooks.test/cat.png", "content_type": "image/png"},
    ]
    sizes = [m["size"] for m in world.gateway.messages.get(answer.body["sid"]).to_sim_json()["media"]]  # type: ignore[union-attr]
    assert sizes == [6, 1004]


@pytest.mark.parametrize(
    ("media", "code"),
    [
        ("http://hooks.test/missing.png", 11200),
        ("http://unreachable.invalid/a.png", 11200),
        ("big", 11751),
        ("html", 12300),
    ],
)
async def test_media_that_cannot_be_sent_fails_the_mms(world: World, media: str, code: int) -> None:
    if media == "big":
        media = world.gateway.host_media("image/png", size=5 * 1024 * 1024 + 1)
    elif media == "html":
        media = world.gateway.host_media("text/html", size=10)
    sid = (await world.send(MediaUrl=[media], StatusCallback=STATUS_URL)).body["sid"]
    await world.clock.advance(2)
    message = world.gateway.messages.get(sid)
    assert message is not None and (message.status, message.error_code) == ("failed", code)
    assert world.hooks.statuses(sid) == ["failed"]
    assert world.hooks.posted[-1].form["ErrorCode"] == str(code)


# -- RCS --------------------------------------------------------------------------------------------------------


def rcs_service(world: World) -> str:
    service = world.gateway.add_service(
        ServiceCreate(
            account_sid=world.sid,
            friendly_name="acme",
            numbers=[BUSINESS],
            rcs_sender="rcs:acme_agent",
            inbound_url=INBOUND_URL,
        )
    )
    template = ContentCreate(
        friendly_name="boarding",
        variables={"1": "traveller"},
        types={
            "twilio/card": {
                "title": "Boarding pass for {{1}}",
                "subtitle": "Gate B12",
                "media": ["http://hooks.test/cat.png"],
                "actions": [
                    {"type": "QUICK_REPLY", "title": "Add to wallet", "id": "wallet"},
                    {"type": "URL", "title": "Details", "url": "https://acme.test/flight"},
                ],
            }
        },
    )
    content = world.gateway.create_content(world.authorization, template)
    assert content.status == 201 and content.body["sid"].startswith("HX")
    return f"{service.sid} {content.body['sid']}"


async def test_rcs_reaches_a_capable_phone_with_its_card_and_a_tap_goes_back(world: World) -> None:
    service, content = rcs_service(world).split()
    world.gateway.set_subscriber(SubscriberCreate(sandbox="prod", phone_number=PERSON, rcs=True))
    answer = await world.send(From=None, MessagingServiceSid=service, ContentSid=content, Body=None,
                              ContentVariables='{"1": "Ann"}', StatusCallback=STATUS_URL)  # fmt: skip
    assert (answer.status, answer.body["status"], answer.body["from"]) == (201, "accepted", None)
    await world.clock.advance(2)
    sid = answer.body["sid"]
    assert world.hooks.statuses(sid) == ["queued", "sending", "sent", "delivered"]
    assert world.hooks.posted[-1].form["From"] == "rcs:acme_agent"
    card = world.threads.latest("rcs:acme_agent")
    assert card.channel.value == "rcs"
    assert card.card == {
        "title": "Boarding pass for Ann",
        "description": "Gate B12",
        "media": ["http://hooks.test/cat.png"],
    }
    assert [s["label"] for s in card.suggestions] == ["Add to wallet", "Details"]
    assert world.gateway.messages.get(sid).channel == "rcs"  # type: ignore[union-attr]

    assert await world.threads.tap_suggestion("rcs:acme_agent", "details") is None
    assert world.phone.browser == ["https://acme.test/flight"]
    await world.threads.tap_suggestion("rcs:acme_agent", "Add to wallet")
    await world.clock.settle()
    tapped = world.hooks.inbound()[-1].form
    assert (tapped["From"], tapped["To"], tapped["ButtonText"], tapped["ButtonPayload"]) == (
        f"rcs:{PERSON}",
        "rcs:acme_agent",
        "Add to wallet",
        "wallet",
    )


async def test_rcs_falls_back_to_mms_for_a_phone_without_rcs(world: World) -> None:
    service, content = rcs_service(world).split()
    answer = await world.send(From=None, MessagingServiceSid=service, ContentSid=content, Body=None)
    await world.clock.advance(2)
    message = world.gateway.messages.get(answer.body["sid"])
    assert message is not None and (message.channel, message.from_, message.status) == ("mms", BUSINESS, "delivered")
    received = world.threads.latest(BUSINESS)
    assert received.body == "Boarding pass for traveller\nGate B12\nDetails: https://acme.test/flight"
    assert received.media[0]["url"] == "http://hooks.test/cat.png" and received.card is None


async def test_a_plain_text_through_an_rcs_service_falls_back_to_sms(world: World) -> None:
    service, _ = rcs_service(world).split()
    answer = await world.send(From=None, MessagingServiceSid=service, Body="Gate changed")
    await world.clock.advance(2)
    message = world.gateway.messages.get(answer.body["sid"])
    assert message is not None and (message.channel, message.from_) == ("sms", BUSINESS)
    assert world.threads.latest(BUSINESS).body == "Gate changed"


async def test_stop_to_an_rcs_agent_blocks_the_whole_service(world: World) -> None:
    service, _ = rcs_service(world).split()
    world.gateway.set_subscriber(SubscriberCreate(sandbox="prod", phone_number=PERSON, rcs=True))
    await world.threads.reply("rcs:acme_agent", "STOP")
    await world.clock.advance(2)
    assert world.threads.latest("rcs:acme_agent").body == REPLIES[Keyword.OPT_OUT]
    assert (await world.send(From=None, MessagingServiceSid=service)).body["code"] == 21610
    assert (await world.send()).body["code"] == 21610


# -- the signature, /_sim/ and sandboxes -------------------------------------------------------------------------


def test_the_signature_matches_the_documented_vector_and_twilios_validator() -> None:
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234", "From": "+12349013030",
              "To": "+18005551212"}  # fmt: skip
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert compute_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    from twilio.request_validator import RequestValidator

    assert RequestValidator("12345").compute_signature(url, params) == compute_signature("12345", url, params)
    assert is_valid_signature(
        "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )
    assert not is_valid_signature("12346", url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
    assert not is_valid_signature("12345", url, params, None)


async def test_sim_routes_set_up_inspect_and_clear(world: World) -> None:
    async with world.http() as http:
        account = (await http.post("/_sim/accounts", json={"sandbox": "prod"})).json()
        number = await http.post(
            "/_sim/numbers", json={"account_sid": account["account_sid"], "phone_number": "+15550100009"}
        )
        assert number.status_code == 201 and number.json()["sid"].startswith("PN")
        subscriber = await http.post("/_sim/subscribers", json={"sandbox": "prod", "phone_number": PERSON, "rcs": True})
        assert subscriber.json()["rcs"] is True
        assert (
            await http.post("/_sim/subscribers", json={"sandbox": "nope", "phone_number": PERSON})
        ).status_code == 404
        assert (await http.post("/_sim/faults", json={"error": "Throttled", "status": 429})).status_code == 422
        phone = await http.post(
            "/_sim/phones/messages", json={"sandbox": "prod", "from": PERSON, "payload": {"to": BUSINESS, "body": "hi"}}
        )
        assert phone.status_code == 201 and phone.json()["direction"] == "inbound"
        await world.send(Body="out")
        listed = (await http.get("/_sim/messages", params={"direction": "outbound-api", "to": PERSON})).json()
        assert [m["body"] for m in listed["messages"]] == ["out"] and listed["messages"][0]["channel"] == "sms"
        latest = (await http.get("/_sim/messages/latest")).json()
        assert latest["body"] == "out" and latest["history"][0]["status"] == "queued"
        media = (await http.post("/_sim/media", json={"content_type": "image/gif", "size": 3})).json()
        served = await http.get(media["url"])
        assert (served.status_code, served.headers["content-type"], served.content) == (200, "image/gif", b"\0\0\0")
        assert (await http.get("/_sim/requests")).json()["total"] == 1
        assert (await http.delete("/_sim/messages", params={"sandbox": "prod"})).json() == {"deleted": 2}
        assert (await http.get("/_sim/health")).json() == {"status": "ok", "service": "twilio"}
        assert (await http.get("/2010-04-01/nowhere")).json()["code"] == 20404


async def test_a_closed_sandbox_is_forgotten(world: World) -> None:
    world.sandboxes.open("other")
    other = world.gateway.create_account("other")
    await world.send()
    world.sandboxes.close("other")
    assert other.account_sid not in world.gateway.directory.accounts
    assert world.grant.account_sid in world.gateway.directory.accounts
    assert len(world.gateway.messages) == 1
