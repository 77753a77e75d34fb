"""Every page renders from the API, at desktop and phone widths, by keyboard,
in the reader's timezone, and shows API errors as messages; screenshots of each."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.ui.browser import PHONE, TIMEZONE
from tests.ui.server import BIG_LOG, LIVE, PAUSABLE, PROJECT, STASH_VALUE, Ui, wait_for

# name, path (job names resolved by the test), what shows when the page has loaded
PAGES = [
    ("home", "/", "#summary-cards .card"),
    ("projects", "/projects", "#projects tbody tr"),
    ("project", "/projects/{project}", "#project-jobs tbody tr"),
    ("job-grid", "/jobs/{live}", "button.cell.state-success"),
    ("job-graph", "/jobs/{live}/graph", "svg.graph g.node"),
    ("job-durations", "/jobs/{live}/durations", "svg.chart .point"),
    ("job-tokens", "/jobs/{live}/tokens", "#tab-panel tbody tr"),
    ("job-triggers", "/jobs/{live}/triggers", ".trigger-detail tbody tr"),
    ("job-document", "/jobs/{live}/document", "pre.document"),
    ("log", "/logs/{run}?task={task}&at={at}", ".log-line"),
    ("workers", "/workers", "#workers tbody tr"),
    ("worker", "/workers/{worker}", "#worker-runs tbody tr"),
    ("schedulers", "/schedulers", "#schedulers tbody tr"),
]
ON_PHONES = {"home", "project", "job-grid", "job-graph", "log", "workers"}


def fill(path: str, ui: Ui) -> str:
    done = wait_for(
        lambda: next(
            (
                r
                for r in ui.call("GET", f"/api/jobs/{ui.job(LIVE)}/tokens-overview?limit=10")[
                    "tokens"
                ]
                if r["task_states"].get("load", {}).get("state") == "success"
            ),
            None,
        ),
        what="a finished trigger time",
    )
    at = done["trigger_datetime"]
    task = done["task_states"]["extract"]["task_id"]
    run = ui.call("GET", f"/api/tasks/{task}/runs/{at}")[-1]
    return path.format(
        project=ui.seeded.project_id,
        live=ui.job(LIVE),
        run=run["task_run_id"],
        task=task,
        at=at,
        worker=run["worker_id"],
    )


@pytest.mark.parametrize(("name", "path", "ready"), PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_and_is_captured(new_page, ui: Ui, screenshots, name, path, ready) -> None:
    url = fill(path, ui)
    widths = [("1280", None)] + ([("390", PHONE)] if name in ON_PHONES else [])
    for label, viewport in widths:
        page = new_page(viewport)
        page.goto(url)
        page.locator(ready).first.wait_for(timeout=20_000)
        assert page.locator("#page-error").is_hidden()
        assert page.locator("[role=alert]:visible").count() == 0
        assert page.title().endswith("Waterwheel")
        if viewport:
            # Nothing wider than the phone: wide content scrolls inside its own box.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"{name} is {width}px wide on a phone"
        page.wait_for_timeout(300)  # let the first refresh settle before the picture
        page.screenshot(path=screenshots / f"{name}-{label}.png", full_page=True)


def test_project_page_lists_jobs_and_stash_names_only(page, ui: Ui) -> None:
    ui.call("PUT", f"/api/jobs/{ui.job(PAUSABLE)}/paused", {"paused": True})
    try:
        page.goto(f"/projects/{ui.seeded.project_id}")
        page.locator("#project-jobs tr[data-job-id]").first.wait_for()
        assert page.locator("#project-name").inner_text() == PROJECT
        rows = {
            row.locator("th").inner_text(): row
            for row in page.locator("#project-jobs tr[data-job-id]").all()
        }
        assert set(rows) == {"big log", "downstream", "live pipeline", "manual", "pausable"}
        assert "paused" in rows["pausable"].inner_text()
        assert rows["pausable"].get_by_role("button", name="Resume job pausable").is_visible()
        live = rows["live pipeline"]
        # Last outcome and the next trigger time (a local time, UTC on hover).
        live.locator(".outcome").wait_for()
        assert "success" in live.locator(".outcome").inner_text()
        next_time = live.locator("td").nth(2).locator("time")
        assert next_time.get_attribute("title").endswith("UTC")
        assert "no trigger" in rows["manual"].inner_text()
        stash = page.locator("#project-stash li").all_inner_texts()
        assert stash == ["api_token", "db_password"]
        assert STASH_VALUE.decode() not in page.locator("main").inner_text()
        # Resuming from the list.
        rows["pausable"].get_by_role("button", name="Resume job pausable").click()
        wait_for(
            lambda: ui.call("GET", f"/api/jobs/{ui.job(PAUSABLE)}/paused") is False,
            what="the job resumed",
        )
    finally:
        ui.call("PUT", f"/api/jobs/{ui.job(PAUSABLE)}/paused", {"paused": False})


def test_times_are_local_with_utc_on_hover(page, ui: Ui) -> None:
    page.goto(f"/jobs/{ui.job(LIVE)}")
    header = page.locator(".time-button").first
    header.wait_for()
    at = header.get_attribute("data-dt")
    time_el = header.locator("time")
    assert time_el.get_attribute("datetime") == at
    utc = datetime.fromisoformat(at.replace("Z", "+00:00"))
    assert time_el.get_attribute("title") == utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    local = utc.astimezone(ZoneInfo(TIMEZONE))
    assert time_el.inner_text() == local.strftime("%H:%M:%S")
    assert TIMEZONE in page.locator("#tz-note").inner_text()


def test_unknown_job_is_a_clear_404(page, ui: Ui, screenshots) -> None:
    page.goto(f"/jobs/{uuid.uuid4()}")
    alert = page.locator("#page-error [role=alert]")
    alert.wait_for()
    assert alert.get_attribute("data-status") == "404"
    assert alert.locator("h2").inner_text() == "Not found"
    assert "This job does not exist" in alert.inner_text()
    assert "job not found" in alert.inner_text()  # the API's own words
    assert page.locator("#page-content").is_hidden()
    assert page.title().startswith("Not found")
    page.screenshot(path=screenshots / "error-404-job-1280.png", full_page=True)

    page.goto("/jobs/not-a-job-id/graph")
    alert.wait_for()
    assert alert.get_attribute("data-status") == "400"
    assert "Bad request" in alert.inner_text()

    response = page.goto("/no/such/page")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"


def test_forbidden_is_a_clear_message(page, ui: Ui, screenshots) -> None:
    project = ui.seeded.project_id
    page.route(
        re.compile(f".*/api/projects/{project}$"),
        lambda route: route.fulfill(
            status=403, content_type="application/json", body='{"error": "forbidden by policy"}'
        ),
    )
    page.goto(f"/projects/{project}")
    alert = page.locator("#page-error [role=alert]")
    alert.wait_for()
    assert alert.get_attribute("data-status") == "403"
    assert alert.locator("h2").inner_text() == "Not allowed"
    assert "not allowed to see this project" in alert.inner_text()
    assert "forbidden by policy" in alert.inner_text()
    page.screenshot(path=screenshots / "error-403-project-1280.png", full_page=True)


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; return {
             tag: e.tagName, text: (e.getAttribute('aria-label') || e.textContent || '').trim(),
             cls: e.getAttribute('class') || '', href: e.getAttribute('href') || '' }; }"""
    )


def tab_to(page, check, limit: int = 80) -> dict:
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if check(now):
            return now
    raise AssertionError(f"Tab never reached the element; last focused: {focused(page)}")


def test_keyboard_only_navigation(page, ui: Ui) -> None:
    page.goto("/")
    page.locator("#summary-cards .card").first.wait_for()
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to content"
    tab_to(page, lambda f: f["text"] == "Projects" and f["href"] == "/projects")
    page.keyboard.press("Enter")
    page.wait_for_url("**/projects")
    page.locator("#projects tbody tr").first.wait_for()
    tab_to(page, lambda f: f["text"] == PROJECT)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/projects/{ui.seeded.project_id}")
    page.locator("#project-jobs tr[data-job-id]").first.wait_for()
    tab_to(page, lambda f: f["text"] == LIVE)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/jobs/{ui.job(LIVE)}")
    page.locator("button.cell").first.wait_for()
    # The grid is one tab stop; arrows move between cells; Enter opens one.
    cell = tab_to(page, lambda f: "cell" in f["cls"].split())
    assert " at " in cell["text"]
    first = page.evaluate("document.activeElement.dataset.dt")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.dt") < first
    page.keyboard.press("ArrowDown")
    task = page.evaluate("document.activeElement.dataset.task")
    page.keyboard.press("Enter")
    panel = page.locator("#run-panel")
    panel.wait_for()
    assert page.evaluate("document.activeElement.id") == "run-panel-title"
    assert panel.locator("h2").inner_text() == task
    page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.evaluate("document.activeElement.dataset.task") == task
    # Tabs, the graph and the activation dialog by keyboard too.
    tab_to(page, lambda f: f["text"] == "Graph")
    page.keyboard.press("Enter")
    page.locator("svg.graph g.node[tabindex='0']").first.wait_for()
    node = tab_to(page, lambda f: f["tag"] == "g")
    assert node["text"].startswith("Task extract")  # the first task from the left
    page.keyboard.press("Enter")
    panel.wait_for()
    page.keyboard.press("Escape")
    page.locator("#activate-button").focus()
    page.keyboard.press("Enter")
    assert page.locator("#activate-dialog").is_visible()
    assert page.evaluate("document.activeElement.id") == "activate-task"
    page.keyboard.press("Escape")
    assert page.locator("#activate-dialog").is_hidden()


def test_every_control_has_a_label(new_page, ui: Ui) -> None:
    big = ui.job(BIG_LOG)
    for path, ready in [
        ("/", "#summary-cards .card"),
        (f"/projects/{ui.seeded.project_id}", "#project-jobs tr[data-job-id]"),
        (f"/jobs/{ui.job(LIVE)}", "button.cell"),
        (f"/jobs/{ui.job(LIVE)}/graph", "svg.graph g.node"),
        (f"/jobs/{ui.job(LIVE)}/durations", ".legend-toggle"),
        (f"/jobs/{ui.job(LIVE)}/tokens", "#tab-panel input"),
        (f"/jobs/{big}/triggers", "#tab-panel .empty"),
        ("/workers", "#workers tbody tr"),
    ]:
        page = new_page()
        page.goto(path)
        page.locator(ready).first.wait_for()
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll(
                 'a[href], button, select, input, textarea, [tabindex]:not([tabindex="-1"])')]
               .filter(e => e.offsetParent !== null || e instanceof SVGElement)
               .filter(e => {
                 const label = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
                   || (e.labels && e.labels.length && e.labels[0].textContent)
                   || e.textContent || e.getAttribute('title');
                 return !label || !label.trim();
               })
               .map(e => e.outerHTML.slice(0, 120))"""
        )
        assert unlabelled == [], f"{path}: {unlabelled}"
