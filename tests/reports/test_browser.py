"""The pages of a default run, opened in headless Chromium with the network cut off.

The browser is the system one (Debian's ``chromium`` and ``chromium-driver``,
installed by ``make test`` when missing). Selenium is given the driver path and
``SE_OFFLINE=1`` so that Selenium Manager never looks for a driver on the
network. Without a browser the tests skip; with MACROPATCH_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

PAGES = [
    "index.html",
    "signals.html",
    "stress.html",
    "evidence.html",
    "tearsheets/sixty_forty.html",
]
# Schemes a page may load from: its own folder and inline data.
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
WINDOW = (1280, 900)  # the width a reader's laptop gives a page
CHROME_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("MACROPATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"MACROPATCH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _browser_paths() -> tuple[str, str] | None:
    browser = next(
        (
            found
            for name in ("chromium", "chromium-browser", "google-chrome")
            if (found := shutil.which(name))
        ),
        None,
    )
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        missing = [
            name for name, path in (("chromium", browser), ("chromedriver", driver)) if not path
        ]
        _unavailable(
            f"{' and '.join(missing)} not found on PATH "
            "(install Debian's chromium and chromium-driver; `make test` does so as root)"
        )
        return None
    return browser, driver


@dataclass
class PageVisit:
    url: str
    console: list[dict[str, Any]]
    requests: list[str]
    failures: list[str]


class Browser:
    """One headless Chromium, offline, that records console and network events per page."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def visit(self, page: Path) -> PageVisit:
        self.driver.get_log("performance")  # drop whatever an earlier page left
        self.driver.get_log("browser")
        url = page.resolve().as_uri()
        self.driver.get(url)  # returns once the load event has fired
        events = [
            json.loads(entry["message"])["message"] for entry in self.driver.get_log("performance")
        ]
        requests = [
            event["params"]["request"]["url"]
            for event in events
            if event.get("method") == "Network.requestWillBeSent"
        ]
        failures = [
            f"{event['params'].get('errorText')} (request {event['params'].get('requestId')})"
            for event in events
            if event.get("method") == "Network.loadingFailed"
        ]
        failures += [
            f"HTTP {event['params']['response']['status']} {event['params']['response']['url']}"
            for event in events
            if event.get("method") == "Network.responseReceived"
            and int(event["params"]["response"].get("status") or 0) >= 400
        ]
        console = [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]
        return PageVisit(url=url, console=console, requests=requests, failures=failures)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    paths = _browser_paths()
    assert paths is not None
    browser_path, driver_path = paths
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover - the dev extra installs it
        _unavailable("selenium is not installed (pip install -e '.[dev]')")
        raise

    os.environ["SE_OFFLINE"] = "1"  # Selenium Manager must never reach the network
    options = webdriver.ChromeOptions()
    options.binary_location = browser_path
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(
        service=Service(executable_path=driver_path, log_output=os.devnull), options=options
    )
    try:
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )
        yield Browser(driver)
    finally:
        driver.quit()


# --- a PNG decoder small enough to trust (8-bit RGB/RGBA, no interlace: what Chromium writes)


def png_pixels(data: bytes) -> tuple[int, int, list[tuple[int, ...]]]:
    """Width, height and the RGB pixels of a PNG (decoded by Pillow, matplotlib's imaging)."""
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        raw = rgb.tobytes()
        return rgb.width, rgb.height, [tuple(raw[i : i + 3]) for i in range(0, len(raw), 3)]


# --- the pages


@pytest.mark.pack
@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(
    browser: Browser, default_run: tuple[Path, str], page: str
) -> None:
    out, _ = default_run
    visit = browser.visit(out / page)
    assert visit.requests, f"no network event recorded for {visit.url}: is performance logging on?"
    assert visit.requests[0] == visit.url
    outside = [url for url in visit.requests if not url.startswith(LOCAL_SCHEMES)]
    assert not outside, f"{page} requests resources outside file://: {outside}"
    assert not visit.failures, f"{page} has failed requests: {visit.failures}"
    assert not visit.console, f"{page} logs console errors: {visit.console}"


CHARTED_PAGES = ["index.html", "signals.html", "stress.html", "evidence.html"]


@pytest.mark.pack
@pytest.mark.parametrize("page", CHARTED_PAGES)
def test_every_chart_is_drawn(browser: Browser, default_run: tuple[Path, str], page: str) -> None:
    out, _ = default_run
    browser.visit(out / page)
    charts = browser.driver.execute_script(
        "return Array.from(document.querySelectorAll('div.plot')).map(div => ["
        "div.id, div.querySelectorAll('svg.main-svg').length,"
        "div.querySelectorAll('.scatterlayer .trace, .heatmaplayer image, .boxlayer .trace').length,"
        "div.getBoundingClientRect().height])"
    )
    assert charts, f"{page} has no interactive chart"
    blank = [chart for chart in charts if chart[1] == 0 or chart[2] == 0 or chart[3] < 100]
    assert not blank, f"{page}: charts not drawn (id, svgs, traces, height): {blank}"


HOVER = """
const [selector, share] = arguments;
const chart = document.querySelector(selector);
chart.scrollIntoView({block: 'center'});
const layer = chart.querySelector('.nsewdrag');
const box = layer.getBoundingClientRect();
const at = {clientX: box.left + box.width * share, clientY: box.top + box.height / 2, bubbles: true};
layer.dispatchEvent(new MouseEvent('mouseover', at));
layer.dispatchEvent(new MouseEvent('mousemove', at));
"""


@pytest.mark.pack
@pytest.mark.parametrize(
    ("page", "selector"),
    [("index.html", "#growth"), ("index.html", "#drawdowns"), ("signals.html", "div.plot")],
)
def test_hovering_a_chart_shows_its_values(
    browser: Browser, default_run: tuple[Path, str], page: str, selector: str
) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    out, _ = default_run
    browser.visit(out / page)
    assert not browser.driver.execute_script(
        f"return document.querySelector('{selector}').querySelectorAll('.hovertext').length"
    )
    browser.driver.execute_script(HOVER, selector, 0.6)
    text = WebDriverWait(browser.driver, 10).until(
        lambda driver: driver.execute_script(
            f"const tips = document.querySelector('{selector}')"
            ".querySelectorAll('.hoverlayer .hovertext, .hoverlayer .legend');"
            "return Array.from(tips).map(tip => tip.textContent).join(' ');"
        )
    )
    assert any(character.isdigit() for character in text), text


@pytest.mark.pack
@pytest.mark.parametrize("page", [*CHARTED_PAGES, "tearsheets/sixty_forty.html"])
def test_nothing_spills_past_the_window_at_1280_pixels(
    browser: Browser, default_run: tuple[Path, str], page: str
) -> None:
    out, _ = default_run
    browser.visit(out / page)
    width = browser.driver.execute_script("return document.documentElement.scrollWidth")
    inner = browser.driver.execute_script("return window.innerWidth")
    assert inner == WINDOW[0]
    assert width <= inner, f"{page} is {width} px wide in a {inner} px window"
    if page.startswith("tearsheets/"):
        return  # quantstats' page: only its width is ours to check
    escaped = browser.driver.execute_script(
        "const main = document.querySelector('main').getBoundingClientRect();"
        "const out = [];"
        "for (const table of document.querySelectorAll('table')) {"
        "  const box = table.closest('.table-wrap');"
        "  if (!box) { out.push(['no box', table.id]); continue; }"
        "  const edge = box.getBoundingClientRect();"
        "  if (edge.right > main.right + 1 || edge.left < main.left - 1) out.push(['box', table.id]);"
        "}"
        "for (const plot of document.querySelectorAll('div.plot')) {"
        "  const edge = plot.getBoundingClientRect();"
        "  if (edge.right > main.right + 1) out.push(['chart', plot.id]);"
        "}"
        "return out;"
    )
    assert not escaped, f"{page}: outside the page's column: {escaped}"


@pytest.mark.pack
def test_wide_tables_scroll_inside_their_box_with_the_first_column_frozen(
    browser: Browser, default_run: tuple[Path, str]
) -> None:
    out, _ = default_run
    browser.visit(out / "index.html")
    found = browser.driver.execute_script(
        "const box = document.querySelector('#annual-returns').closest('.table-wrap');"
        "box.scrollIntoView();"
        "const first = box.querySelector('tbody td').getBoundingClientRect().left;"
        "const wider = box.scrollWidth > box.clientWidth;"
        "box.scrollLeft = 400;"
        "const after = box.querySelector('tbody td').getBoundingClientRect().left;"
        "return [wider, box.scrollLeft, first, after];"
    )
    wider, scrolled, before, after = found
    assert wider and scrolled > 0, found  # 27 calendar years do not fit 1280 px: the box scrolls
    assert abs(after - before) < 1, found  # and the strategy's name stays in place


@pytest.mark.pack
def test_index_metrics_table_has_one_row_per_strategy(
    browser: Browser, default_run: tuple[Path, str]
) -> None:
    from selenium.webdriver.common.by import By

    out, _ = default_run
    strategies = json.loads((out / "summary.json").read_text())["strategies"]
    browser.visit(out / "index.html")
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table#metrics tr[data-strategy]")
    assert sorted(row.get_attribute("data-strategy") for row in rows) == sorted(strategies)
    assert all(row.is_displayed() for row in rows)


@pytest.mark.pack
@pytest.mark.parametrize("page", ["index.html", "tearsheets/sixty_forty.html"])
def test_page_renders_something_visible(
    browser: Browser, default_run: tuple[Path, str], page: str
) -> None:
    out, _ = default_run
    browser.visit(out / page)
    png = browser.driver.get_screenshot_as_png()
    width, height, pixels = png_pixels(png)
    assert (width, height) >= (WINDOW[0] // 2, WINDOW[1] // 2), (width, height)
    colours = Counter(pixels)
    background, covered = colours.most_common(1)[0]
    # A blank or single-colour page has one colour; text, tables and charts bring
    # hundreds (anti-aliasing) and cover a visible share of the window.
    assert len(colours) >= 50, f"{page}: only {len(colours)} colours on screen"
    assert covered / len(pixels) < 0.97, (
        f"{page}: {covered / len(pixels):.1%} is {background.hex()}"
    )


@pytest.mark.pack
@pytest.mark.parametrize("page", ["sweep.html", "tearsheets/walk_forward.html"])
def test_sweep_pages_load_offline_and_show_the_verdict(
    browser: Browser, sweep_run: Path, page: str
) -> None:
    from selenium.webdriver.common.by import By

    visit = browser.visit(sweep_run / page)
    outside = [url for url in visit.requests if not url.startswith(LOCAL_SCHEMES)]
    assert not outside, f"{page} requests resources outside file://: {outside}"
    assert not visit.failures and not visit.console, (visit.failures, visit.console)
    width, height, pixels = png_pixels(browser.driver.get_screenshot_as_png())
    assert len(Counter(pixels)) >= 50, f"{page} looks blank"
    if page == "sweep.html":
        verdict = browser.driver.find_element(By.ID, "verdict")
        assert verdict.is_displayed() and "PBO" in verdict.text
        heatmap = browser.driver.find_elements(By.CSS_SELECTOR, "table#heatmap-0 td.grid")
        assert len(heatmap) == 9  # 3 x 3 thresholds
