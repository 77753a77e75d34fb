"""The UI against a running server with real runs: the grid, logs, pause,
activation, graph, durations, and the pages that update live."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from tests.ui.browser import TIMEZONE
from tests.ui.server import (
    BIG_LINES,
    BIG_LOG,
    DOWNSTREAM,
    LIVE,
    MANUAL,
    PAUSABLE,
    PAUSABLE_PERIOD,
    Ui,
    iso,
    wait_for,
)

SUCCESS = re.compile(r"\bstate-success\b")


def newest_times(ui: Ui, job: str, limit: int = 5) -> list[dict]:
    return ui.call("GET", f"/api/jobs/{ui.job(job)}/tokens-overview?limit={limit}")["tokens"]


def running_extract(ui: Ui, lines_at_most: int | None = None) -> tuple[str, str]:
    """A trigger time whose extract task is running, and its run id."""

    def find():
        for row in newest_times(ui, LIVE, 3):
            token = row["task_states"].get("extract")
            if token and token["state"] == "running":
                at = row["trigger_datetime"]
                runs = ui.call("GET", f"/api/tasks/{token['task_id']}/runs/{at}")
                run = runs[-1]
                if run["state"] != "running":
                    continue
                if lines_at_most is not None:
                    page = ui.call("GET", f"/api/task_runs/{run['task_run_id']}/log?limit=100")
                    if len(page["lines"]) > lines_at_most:
                        continue
                return at, run["task_run_id"]
        return None

    return wait_for(find, timeout=20, what="a running extract")


def test_grid_cells_go_from_running_to_success(page, ui: Ui) -> None:
    page.goto(f"/jobs/{ui.job(LIVE)}")
    running = page.locator("button.cell.state-running[data-task='extract']").first
    running.wait_for()
    at = running.get_attribute("data-dt")
    page.evaluate("window.__noReload = true")
    cell = page.locator(f"button.cell[data-task='extract'][data-dt='{at}']")
    assert "running" in cell.get_attribute("aria-label")
    # The same cell turns to success without a reload, and its hover tells the times.
    page.wait_for_function(
        "(at) => document.querySelector(`button.cell[data-task='extract'][data-dt='${at}']`)"
        "?.classList.contains('state-success')",
        arg=at,
        timeout=20_000,
    )
    assert SUCCESS.search(cell.get_attribute("class"))
    title = cell.get_attribute("title")
    assert "success · 1 attempt" in title
    assert "queued" in title and "started" in title and "finished" in title and "took" in title
    assert "UTC" in title
    # Newer trigger times keep arriving as new columns, newest first.
    first = page.locator(".time-button").first.get_attribute("data-dt")
    page.wait_for_function(
        "(first) => document.querySelector('.time-button').dataset.dt > first",
        arg=first,
        timeout=10_000,
    )
    times = page.eval_on_selector_all(".time-button", "els => els.map(e => e.dataset.dt)")
    assert times == sorted(times, reverse=True)
    assert page.evaluate("window.__noReload") is True


def test_grid_pages_back_in_time(page, ui: Ui) -> None:
    wait_for(lambda: len(newest_times(ui, PAUSABLE, 30)) >= 12, timeout=30, what="12 times")
    page.set_viewport_size({"width": 390, "height": 844})  # 10 columns a page
    page.goto(f"/jobs/{ui.job(PAUSABLE)}")
    page.locator("button.cell").first.wait_for()
    page_one = page.eval_on_selector_all(".time-button", "els => els.map(e => e.dataset.dt)")
    assert len(page_one) == 10
    page.get_by_role("button", name="Older →").click()
    page.wait_for_function(
        "(last) => document.querySelector('.time-button')?.dataset.dt < last", arg=page_one[-1]
    )
    page_two = page.eval_on_selector_all(".time-button", "els => els.map(e => e.dataset.dt)")
    assert max(page_two) < min(page_one)
    page.get_by_role("button", name="← Newer").click()
    page.wait_for_function(
        "(last) => document.querySelector('.time-button')?.dataset.dt >= last", arg=page_one[0]
    )


def test_running_log_follows_live_and_ends(new_page, ui: Ui, screenshots) -> None:
    at, run_id = running_extract(ui, lines_at_most=8)
    task = ui.task(LIVE, "extract")
    # A short window (12 lines) so that the log scrolls while it grows.
    page = new_page({"width": 1280, "height": 520})
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    page.goto(f"/logs/{run_id}?task={task}&at={at}")
    status = page.locator(".log-status")
    scroller = page.locator(".log-scroller")
    count = page.locator(".log-line")
    page.wait_for_function("document.querySelectorAll('.log-line').length > 0")
    page.wait_for_function("document.querySelector('.log-status').dataset.kind === 'live'")
    assert status.inner_text() == "Following live"  # over the websocket, not polling
    page.screenshot(path=screenshots / "log-live-1280.png")

    def last_line() -> int:
        return int(page.eval_on_selector_all(".log-line", "els => els.at(-1).dataset.n"))

    # New lines arrive while the task runs, and the view follows the end.
    before = last_line()
    page.wait_for_function(
        "(n) => +[...document.querySelectorAll('.log-line')].at(-1).dataset.n > n + 2", arg=before
    )
    assert page.evaluate(
        "() => { const s = document.querySelector('.log-scroller');"
        " return s.scrollHeight - s.scrollTop - s.clientHeight < 30; }"
    )
    # The reader scrolls up: the view stays there and offers to jump to new lines.
    page.wait_for_function("document.querySelectorAll('.log-line').length >= 18")
    scroller.evaluate("s => s.scrollTop = 0")
    now = last_line()
    page.wait_for_function(
        "(n) => +document.querySelector('.log-count').textContent.replace(/\\D/g, '') > n + 2",
        arg=now,
    )
    assert scroller.evaluate("s => s.scrollTop") == 0
    jump = page.locator(".log-jump")
    assert jump.is_visible() and "new line" in jump.inner_text()
    jump.click()
    # Following again: the end of the log shows, clearly marked, with the outcome.
    end = page.locator(".log-end")
    end.wait_for(timeout=20_000)
    assert end.get_attribute("data-outcome") == "success"
    assert "end of log: success" in end.inner_text()
    assert status.inner_text() == "Ended: success"
    texts = page.eval_on_selector_all(".log-line .lt", "els => els.map(e => e.textContent)")
    assert texts[-1] == "extract line 30"
    assert any('"line": "extract line' in frame for frame in frames), frames[:3]
    assert count.count() < 100
    # The page names the run: task, trigger time, attempt.
    assert "extract" in page.locator("h1").inner_text()
    assert "attempt 1" in page.locator(".breadcrumbs").inner_text()


def test_cell_panel_shows_attempts_and_log(page, ui: Ui, screenshots) -> None:
    page.goto(f"/jobs/{ui.job(LIVE)}")
    cell = page.locator("button.cell.state-running[data-task='extract']").first
    cell.click()
    panel = page.locator("#run-panel")
    panel.wait_for()
    assert panel.locator("h2").inner_text() == "extract"
    row = panel.locator("tr[data-task-run-id]")
    row.first.wait_for()
    assert row.count() == 1
    headers = panel.locator("thead th").all_inner_texts()
    for name in ("ATTEMPT", "STATE", "QUEUED", "STARTED", "FINISHED", "DURATION", "WORKER"):
        assert name in [h.upper() for h in headers]
    assert row.first.get_attribute("data-state") == "running"
    page.wait_for_function("document.querySelectorAll('#run-panel .log-line').length > 1")
    page.screenshot(path=screenshots / "job-run-panel-1280.png")
    # The panel follows the run to its end.
    panel.locator(".log-end").wait_for(timeout=20_000)
    page.wait_for_function(
        "document.querySelector('#run-panel tr[data-task-run-id]').dataset.state === 'success'"
    )
    page.keyboard.press("Escape")
    assert panel.is_hidden()


def test_pausing_a_job_stops_new_runs(page, ui: Ui) -> None:
    job = ui.job(PAUSABLE)
    page.goto(f"/jobs/{job}")
    page.locator("button.cell").first.wait_for()
    button = page.locator("#pause-button")
    assert button.inner_text() == "Pause"
    try:
        button.click()
        page.wait_for_function("document.querySelector('#pause-button').textContent === 'Resume'")
        assert page.locator("#job-paused-badge").is_visible()
        assert ui.call("GET", f"/api/jobs/{job}/paused") is True
        # A pause waits for a firing in flight: the newest time now stays the newest.
        newest = newest_times(ui, PAUSABLE, 1)[0]["trigger_datetime"]
        page.wait_for_function(
            f"document.querySelector('.time-button')?.getAttribute('data-dt') === '{newest}'"
        )
        runs_before = ui.call("GET", f"/api/jobs/{job}/runs/{newest}")
        # Three periods pass (nothing to wait for: nothing may happen meanwhile),
        # and no new trigger time, no new run.
        time.sleep(3 * PAUSABLE_PERIOD + 0.5)
        assert page.locator(".time-button").first.get_attribute("data-dt") == newest
        assert newest_times(ui, PAUSABLE, 1)[0]["trigger_datetime"] == newest
        assert ui.call("GET", f"/api/jobs/{job}/runs/{newest}") == runs_before
        # Resumed, new trigger times appear again in the open page.
        button.click()
        page.wait_for_function("document.querySelector('#pause-button').textContent === 'Pause'")
        assert page.locator("#job-paused-badge").is_hidden()
        page.wait_for_function(
            "(n) => document.querySelector('.time-button').dataset.dt > n",
            arg=newest,
            timeout=4 * PAUSABLE_PERIOD * 1000,
        )
    finally:
        ui.call("PUT", f"/api/jobs/{job}/paused", {"paused": False})


def test_activating_a_task_runs_it(page, ui: Ui) -> None:
    job = ui.job(MANUAL)
    at = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    local = at.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m-%dT%H:%M:%S")
    page.goto(f"/jobs/{job}")
    page.locator("#activate-button:not([disabled])").wait_for()
    page.locator("#activate-button").click()
    dialog = page.locator("#activate-dialog")
    assert dialog.is_visible()
    page.locator("#activate-task").select_option(label="hello")
    page.locator("#activate-at").fill(local)
    page.locator("#activate-submit").click()
    dialog.wait_for(state="hidden")
    page.locator(".toast-success").filter(has_text="activated").wait_for()
    cell = page.locator(f"button.cell[data-task='hello'][data-dt='{iso(at)}']")
    cell.wait_for()
    page.wait_for_function(
        "(at) => document.querySelector(`button.cell[data-task=hello][data-dt='${at}']`)"
        "?.classList.contains('state-success')",
        arg=iso(at),
        timeout=20_000,
    )
    assert cell.get_attribute("data-attempts") == "1"

    # Again for a range of existing trigger times around it: a second attempt.
    page.locator("#activate-button").click()
    assert page.locator("#activate-task").input_value() == ui.task(MANUAL, "hello")  # kept
    page.get_by_label("A range of existing ones").check()
    page.locator("#activate-first").fill(local.replace("2025-06-01", "2025-05-31"))
    page.locator("#activate-last").fill(local.replace("2025-06-01", "2025-06-02"))
    page.locator("#activate-submit").click()
    page.locator(".toast-success").filter(has_text="1 trigger time activated").wait_for()
    page.wait_for_function(
        "(at) => { const c = document.querySelector("
        "`button.cell[data-task=hello][data-dt='${at}']`);"
        " return c && c.dataset.attempts === '2' && c.classList.contains('state-success'); }",
        arg=iso(at),
        timeout=20_000,
    )
    # Only the failed ones: hello has none; flaky, run once and failed, runs again.
    activate_range(page, "hello", only_failed=True)
    page.locator(".toast-success").filter(has_text="hello: 0 trigger times activated").wait_for()
    page.locator("#activate-button").click()
    page.get_by_label("One trigger time").check()
    page.locator("#activate-task").select_option(label="flaky")
    page.locator("#activate-at").fill(local)
    page.locator("#activate-submit").click()
    flaky = f"button.cell[data-task='flaky'][data-dt='{iso(at)}']"
    page.wait_for_function(
        "(sel) => document.querySelector(sel)?.classList.contains('state-failure')", arg=flaky
    )
    activate_range(page, "flaky", only_failed=True)
    page.locator(".toast-success").filter(has_text="flaky: 1 trigger time activated").wait_for()
    page.wait_for_function(
        "(sel) => { const c = document.querySelector(sel);"
        " return c && c.dataset.attempts === '2' && c.classList.contains('state-failure'); }",
        arg=flaky,
        timeout=20_000,
    )
    runs = ui.call("GET", f"/api/tasks/{ui.task(MANUAL, 'hello')}/runs/{iso(at)}")
    assert [r["state"] for r in runs] == ["success", "success"]
    runs = ui.call("GET", f"/api/tasks/{ui.task(MANUAL, 'flaky')}/runs/{iso(at)}")
    assert [r["state"] for r in runs] == ["failure", "failure"]


def activate_range(page, task: str, only_failed: bool) -> None:
    page.locator("#activate-button").click()
    page.locator("#activate-task").select_option(label=task)
    page.get_by_label("A range of existing ones").check()
    page.locator("#activate-first").fill("")
    page.locator("#activate-last").fill("")
    page.get_by_label("Only failed ones").set_checked(only_failed)
    page.locator("#activate-submit").click()


def test_run_now_starts_a_run_of_the_job(page, ui: Ui) -> None:
    job = ui.job(MANUAL)
    page.goto(f"/jobs/{job}")
    page.locator("#trigger-button:not([disabled])").click()
    page.locator(".toast-success").filter(has_text="Run started").wait_for()
    latest = wait_for(lambda: newest_times(ui, MANUAL, 1), what="the new run")[0]
    at = latest["trigger_datetime"]
    assert at > iso(datetime.now(UTC) - timedelta(minutes=1))
    for task in ("hello", "flaky"):
        page.wait_for_function(
            "([task, at]) => { const c = document.querySelector("
            "`button.cell[data-task='${task}'][data-dt='${at}']`);"
            " return c && /state-(success|failure)/.test(c.className); }",
            arg=[task, at],
            timeout=20_000,
        )


def test_clearing_a_trigger_time(page, ui: Ui) -> None:
    job = ui.job(MANUAL)
    at = iso(datetime(2025, 7, 1, tzinfo=UTC))
    ui.call("PUT", f"/api/tasks/{ui.task(MANUAL, 'hello')}/tokens/{at}", {})
    wait_for(
        lambda: ui.call("GET", f"/api/jobs/{job}/tokens/{at}")[0]["state"] == "success",
        what="the activated run",
    )
    page.goto(f"/jobs/{job}")
    page.locator(f".time-button[data-dt='{at}']").click()
    panel = page.locator("#run-panel")
    panel.get_by_role("button", name="Clear…").click()
    panel.get_by_role("button", name="Clear this trigger time").click()
    page.locator(".toast-success").filter(has_text="Cleared 1 token").wait_for()
    page.wait_for_function(
        "(at) => document.querySelector(`button.cell[data-task=hello][data-dt='${at}']`)"
        "?.classList.contains('state-waiting')",
        arg=at,
    )
    assert ui.call("GET", f"/api/jobs/{job}/tokens/{at}")[0]["state"] == "waiting"


def test_graph_draws_the_job_with_states(page, ui: Ui, screenshots) -> None:
    job = ui.job(LIVE)
    page.goto(f"/jobs/{job}/graph")
    page.locator("svg.graph g.node").first.wait_for()
    nodes = page.eval_on_selector_all(
        "svg.graph g.node",
        "els => els.map(e => [e.dataset.kind, e.dataset.name, e.dataset.external])",
    )
    assert sorted(nodes) == sorted(
        [
            ["trigger", "every3s", "false"],
            ["task", "extract", "false"],
            ["task", "transform", "false"],
            ["task", "load", "false"],
            ["task", "report_failure", "false"],
            ["task", "consume", "true"],  # the downstream job's task
        ]
    )
    by_name = "els => Object.fromEntries(els.map(e => [e.dataset.name, e.dataset.id]))"
    ids = page.eval_on_selector_all("svg.graph g.node", by_name)
    edges = page.eval_on_selector_all(
        "svg.graph path.edge", "els => els.map(e => [e.dataset.kind, e.dataset.from, e.dataset.to])"
    )
    named = sorted(
        [kind, next(n for n, i in ids.items() if i == a), next(n for n, i in ids.items() if i == b)]
        for kind, a, b in edges
    )
    assert named == sorted(
        [
            ["trigger", "every3s", "extract"],
            ["success", "extract", "transform"],
            ["success", "transform", "load"],
            ["failure", "transform", "report_failure"],
            ["success", "load", "consume"],
        ]
    )
    # Every edge goes left to right along the layers.
    x_of = "els => Object.fromEntries(els.map(e => [e.dataset.name, e.getBBox().x + e.getCTM().e]))"
    xs = page.eval_on_selector_all("svg.graph g.node", x_of)
    assert xs["every3s"] < xs["extract"] < xs["transform"] < xs["load"] < xs["consume"]
    # The states of a chosen trigger time whose runs have all finished.
    finished = wait_for(
        lambda: next(
            (
                r["trigger_datetime"]
                for r in newest_times(ui, LIVE, 10)
                if r["task_states"].get("load", {}).get("state") == "success"
            ),
            None,
        ),
        what="a finished trigger time",
    )
    page.locator("#graph-time").select_option(finished)
    page.wait_for_function(
        "document.querySelector('g.node[data-name=load]').dataset.state === 'success'"
    )
    for name in ("extract", "transform", "load"):
        node = page.locator(f"g.node[data-name='{name}']")
        assert node.get_attribute("data-state") == "success"
        assert "success" in node.get_attribute("class")
    assert page.locator("g.node[data-name='report_failure']").get_attribute("data-state") == "none"
    assert f"at={finished}" in unquote(page.url)
    page.screenshot(path=screenshots / "job-graph-1280.png", full_page=True)
    # A task opens its attempts and log at that time; the other job's task links there.
    page.locator("g.node[data-name='transform']").click()
    assert page.locator("#run-panel h2").inner_text() == "transform"
    page.keyboard.press("Escape")
    assert page.locator("g.node[data-name='consume']").get_attribute("role") == "link"
    page.locator("g.node[data-name='consume']").click()
    page.wait_for_url(re.compile(f"/jobs/{ui.job(DOWNSTREAM)}/graph"))
    page.locator("svg.graph g.node[data-name='consume']").wait_for()
    assert page.locator("svg.graph g.node[data-name='load']").get_attribute("data-external") == (
        "true"
    )


def test_duration_chart_has_points(page, ui: Ui, screenshots) -> None:
    page.goto(f"/jobs/{ui.job(LIVE)}/durations")
    page.locator("svg.chart .point").first.wait_for()
    points = page.eval_on_selector_all(
        "svg.chart .point", "els => els.map(e => [e.dataset.task, +e.dataset.duration])"
    )
    tasks = {task for task, _ in points}
    assert {"extract", "transform", "load"} <= tasks
    assert all(duration >= 0 for _, duration in points)
    extract = [d for t, d in points if t == "extract"]
    assert min(extract) > 5  # 30 lines, 0.3 s apart
    page.screenshot(path=screenshots / "job-durations-1280.png", full_page=True)
    # A task can be hidden from the chart and shown again.
    toggle = page.locator(".legend-toggle[data-task='extract']")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "false"
    assert page.locator("svg.chart .point[data-task='extract']").count() == 0
    toggle.click()
    assert page.locator("svg.chart .point[data-task='extract']").count() == len(extract)


def test_hundred_thousand_line_log_stays_responsive(page, ui: Ui, screenshots) -> None:
    flood = ui.task(BIG_LOG, "flood")
    at = ui.seeded.big_at
    run = wait_for(
        lambda: next(
            (r for r in ui.call("GET", f"/api/tasks/{flood}/runs/{at}") if r["state"] == "success"),
            None,
        ),
        timeout=60,
        what="the 100,000-line run",
    )
    started = time.monotonic()
    page.goto(f"/logs/{run['task_run_id']}?task={flood}&at={at}")
    page.wait_for_function(
        "document.querySelector('.log-status')?.textContent === 'Ended: success'", timeout=30_000
    )
    loaded = time.monotonic() - started
    assert page.locator(".log-count").inner_text() == f"{BIG_LINES:,} lines"
    # Jump to the end with the keyboard.
    page.locator(".log-scroller").focus()
    page.keyboard.press("End")
    page.locator(f".log-line[data-n='{BIG_LINES}']").wait_for()
    last = page.locator(f".log-line[data-n='{BIG_LINES}']")
    assert last.is_visible()
    assert last.locator(".lt").inner_text() == f"log line {BIG_LINES}"
    assert page.locator(".log-end").is_visible()
    assert page.locator(".log-line").count() < 300  # drawn virtually, not 100,000 elements
    # Anywhere in the middle draws within a frame or two.
    took = page.evaluate(
        """async () => {
          const s = document.querySelector('.log-scroller');
          const t0 = performance.now();
          s.scrollTop = 20 * 50000;
          await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
          const line = document.querySelector(".log-line[data-n='50001']");
          return line ? performance.now() - t0 : -1;
        }"""
    )
    assert 0 <= took < 500, took
    assert page.locator(".log-line").count() < 300
    page.screenshot(path=screenshots / "log-100k-lines-1280.png")
    assert loaded < 25, f"loading the 100,000-line log took {loaded:.1f}s"


def test_workers_page_and_token_table_update_live(page, ui: Ui, screenshots) -> None:
    page.goto("/workers")
    rows = page.locator("#running-tasks tr[data-task-run-id]")
    rows.first.wait_for(timeout=20_000)
    assert page.locator("#workers tr[data-status='up']").count() == 1
    ids = "els => els.map(e => e.dataset.taskRunId)"
    first = set(page.eval_on_selector_all("#running-tasks tr", ids))
    page.wait_for_function(
        "(ids) => [...document.querySelectorAll('#running-tasks tr[data-task-run-id]')]"
        ".some(e => !ids.includes(e.dataset.taskRunId))",
        arg=sorted(i for i in first if i),
        timeout=15_000,
    )
    page.screenshot(path=screenshots / "workers-1280.png", full_page=True)
    worker = page.locator("#workers tr[data-worker]").first.get_attribute("data-worker")
    page.goto(f"/workers/{worker}")
    page.locator("#worker-runs tr[data-task-run-id]").first.wait_for()
    page.locator("#worker-state-filter").select_option(label="succeeded")
    page.wait_for_function(
        "[...document.querySelectorAll('#worker-runs tr[data-state]')]"
        ".every(e => e.dataset.state === 'success')"
    )
    page.screenshot(path=screenshots / "worker-1280.png", full_page=True)

    page.goto(f"/jobs/{ui.job(LIVE)}/tokens")
    tokens = page.locator("tr[data-state][data-dt]")
    tokens.first.wait_for()
    shown = set(page.eval_on_selector_all("tr[data-dt]", "els => els.map(e => e.dataset.dt)"))
    assert all(
        s in ("running", "active", "retry")
        for s in page.eval_on_selector_all("tr[data-state]", "els => els.map(e => e.dataset.state)")
    )
    page.wait_for_function(
        "(shown) => [...document.querySelectorAll('tr[data-dt]')]"
        ".some(e => !shown.includes(e.dataset.dt))",
        arg=sorted(shown),
        timeout=15_000,
    )
    page.screenshot(path=screenshots / "job-tokens-1280.png", full_page=True)
