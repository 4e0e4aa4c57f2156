"""The HTML report in a real browser: `mjlab run` on a push feature and a journey feature, then report.html opened in
headless Chromium (Debian's `chromium`, driven by Playwright; no browser is downloaded): each scenario shows its
campaigns' and journeys' funnels as SVG bar charts with the right figures, and a timeline with one lane per phone.

A screenshot of a journey scenario is written to `/tmp/report.png` for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stack_runs import REPO, mjlab_run

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
FEATURES = ["features/channels/push.feature", "features/rules/audiences.feature"]
SCREENSHOT = Path("/tmp/report.png")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`mjlab run` on copies of a push feature and a journey feature; the report.html it wrote."""
    folder = tmp_path_factory.mktemp("report-html")
    copies = []
    for feature in FEATURES:
        copy = folder / "features" / Path(feature).name
        copy.parent.mkdir(exist_ok=True)
        shutil.copy(REPO / feature, copy)
        copies.append(str(copy))
    done = mjlab_run(*copies, reports=folder / "reports", timeout=110)
    assert done.status == 0, done.output
    return folder / "reports" / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, report: Path) -> Iterator[Any]:
    """The report, open in a new page."""
    opened = browser.new_page(viewport={"width": 1280, "height": 900})
    opened.goto(report.as_uri())
    yield opened
    opened.close()


def scenario(page: Any, name: str) -> Any:
    """A scenario's section, opened."""
    section = page.locator("details.scenario", has=page.locator("summary strong", has_text=name))
    assert section.count() == 1, f"no scenario {name!r} in the report"
    if section.get_attribute("open") is None:
        section.locator("summary").first.click()
    return section


def figures(card: Any) -> dict[str, int]:
    """The figures a card's bar chart draws, by name."""
    bars = card.locator("svg.funnel g.bar")
    return {
        bars.nth(i).get_attribute("data-figure"): int(bars.nth(i).get_attribute("data-value"))
        for i in range(bars.count())
    }


def test_a_delivered_and_tapped_push_shows_its_funnel_and_a_lane_with_the_tap(page: Any) -> None:
    from playwright.sync_api import expect

    section = scenario(page, "A marketing push is delivered to an iPhone and tapped")
    card = section.locator('.card[data-kind="campaign"][data-name="Summer sale"]')

    expect(card.locator("svg.funnel")).to_be_visible()
    expect(card.locator("[data-reconciles=true]")).to_have_text("✓ reconciles")
    assert figures(card) == {"targeted": 1, "excluded": 0, "sent": 1, "delivered": 1, "opened": 1, "clicked": 0}
    expect(card.locator('g.bar[data-figure="delivered"]')).to_contain_text("1 · 100% of sent")
    lane = section.locator('svg.timeline g.lane[data-lane="Alice\'s iPhone"]')
    expect(lane).to_be_visible()
    expect(lane.locator('g.item[data-kind="received"]')).to_contain_text("Summer sale: 15% off today only")
    expect(lane.locator('g.item[data-kind="action"]')).to_contain_text("tapped “Summer sale”")
    expect(section.locator("summary .glance")).to_contain_text("Summer sale: 1 sent → 1 delivered → 1 opened")


def test_exclusions_show_in_the_chart_the_reasons_table_and_each_persons_lane(page: Any) -> None:
    from playwright.sync_api import expect

    section = scenario(page, "A marketing push without consent is excluded and never reaches the phone")
    card = section.locator('.card[data-name="Summer sale"]')

    assert figures(card) == {"targeted": 2, "excluded": 2, "sent": 0, "delivered": 0, "opened": 0, "clicked": 0}
    expect(card.locator("table.exclusions")).to_contain_text("PushNoConsent")
    expect(card.locator("table.exclusions tr").nth(1)).to_have_text("PushNoConsent0501112")
    lanes = section.locator("svg.timeline g.lane")
    assert [lanes.nth(i).get_attribute("data-lane") for i in range(lanes.count())] == [
        "Alice's iPhone", "Bob's Android phone",
    ]  # fmt: skip
    for i in range(2):
        expect(lanes.nth(i).locator('g.item[data-kind="platform"]')).to_contain_text("PushNoConsent 050111")


def test_a_bounce_and_a_payload_error_are_drawn_as_losses(page: Any) -> None:
    from playwright.sync_api import expect

    bounced = scenario(page, "An uninstalled app bounces, its token is denylisted")
    card = bounced.locator('.card[data-name="Summer sale"]')
    assert figures(card)["bounces"] == 1
    expect(card.locator("table.bounces")).to_contain_text("Unregistered")
    failed = scenario(page, "A payload over 4096 bytes is rejected, counted, and never shown")
    card = failed.locator('.card[data-name="Huge"]')
    assert figures(card)["errors"] == 1
    expect(card.locator("table.errors")).to_contain_text("PayloadTooLarge")
    expect(card.locator("table.errors")).to_contain_text("050301")


def test_a_journey_shows_its_funnel_steps_and_a_lane_over_several_days(page: Any) -> None:
    from playwright.sync_api import expect

    section = scenario(page, "Leaving the audience exits the retention journey and enters a thank-you journey")
    retention = section.locator('.card[data-kind="journey"][data-name="Retention"]')
    thanks = section.locator('.card[data-kind="journey"][data-name="Thanks for staying"]')

    expect(retention).to_be_visible()
    expect(retention.locator(".entries")).to_contain_text("1 entered · 0 active · 0 ended · 1 exited")
    assert figures(retention) == {"targeted": 1, "excluded": 0, "sent": 1, "delivered": 1, "opened": 0, "clicked": 0}
    expect(retention.locator("table.steps")).to_contain_text("reward")
    assert figures(thanks)["delivered"] == 1
    lane = section.locator('svg.timeline g.lane[data-lane="Alice\'s iPhone"]')
    expect(lane.locator('g.item[data-kind="received"]')).to_have_count(2)
    instants = section.locator("svg.timeline g.instant")
    assert instants.count() == 2  # the gift on Monday, the thanks two days later
    expect(instants.nth(1)).to_contain_text("Wed 07 Jan")
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
