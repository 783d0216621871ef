"""Offline tests of the live providers against recorded payloads.

FRED is served by a local HTTP server on 127.0.0.1; yfinance is replaced by an
injected ``download`` that returns frames shaped like yfinance 1.7's. A guard
makes any connection to a non-loopback address fail the module.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import requests

from macropatch.marketdata.errors import ProviderError, UserError
from macropatch.marketdata.providers import FRED_CSV_URL, Provider, fetch_fred, fetch_yahoo

PAYLOADS = Path(__file__).parent / "payloads"


# --------------------------------------------------------------------------- guard


class NetworkBlockedError(RuntimeError):
    """Raised instead of connecting anywhere but the loopback interface."""


def _is_loopback(host: object) -> bool:
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="module", autouse=True)
def blocked_connections() -> Iterator[list[object]]:
    """Refuse every non-loopback connection or name lookup while this module runs."""
    attempts: list[object] = []
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(address)
            raise NetworkBlockedError(f"test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return original_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _is_loopback(host):
            attempts.append(host)
            raise NetworkBlockedError(f"test tried to resolve {host!r}")
        return original_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        patch.setattr(socket.socket, "connect_ex", connect_ex)
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield attempts
    assert attempts == [], f"tests tried to reach the network: {attempts}"


def test_guard_refuses_non_loopback_connections(blocked_connections: list[object]) -> None:
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)  # TEST-NET-1
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("fred.stlouisfed.org", 443), timeout=0.1)
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as raw,
        pytest.raises(NetworkBlockedError),
    ):
        raw.connect(("192.0.2.1", 443))
    assert blocked_connections == ["192.0.2.1", "fred.stlouisfed.org", ("192.0.2.1", 443)]
    blocked_connections.clear()


def test_guard_lets_loopback_through(fred_server: FredServer) -> None:
    with socket.create_connection(("127.0.0.1", fred_server.port), timeout=1.0):
        pass


# --------------------------------------------------------------------------- FRED server


def _payload(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


@dataclass(frozen=True)
class Answer:
    """What the fake FRED answers: status, content type, body, delay."""

    status: int
    content_type: str
    body: bytes
    delay_seconds: float = 0.0


CSV = "text/csv; charset=utf-8"
HTML = "text/html; charset=utf-8"

# Route by the first path segment; ``/ok/`` picks the payload by ``id=``.
OK_PAYLOADS = {"DGS10": "fred_dgs10.csv", "DRCCLACBS": "fred_drcclacbs.csv"}
ROUTES: dict[str, Callable[[], Answer]] = {
    "legacy": lambda: Answer(200, CSV, _payload("fred_dgs10_legacy_header.csv")),
    "html": lambda: Answer(200, HTML, _payload("fred_unknown_id.html")),
    "html-as-csv": lambda: Answer(200, CSV, _payload("fred_unknown_id.html")),
    "html-404": lambda: Answer(404, HTML, _payload("fred_unknown_id.html")),
    "status-404": lambda: Answer(404, "text/plain", b"Not Found"),
    "status-500": lambda: Answer(500, "text/plain", b"Internal Server Error"),
    "empty": lambda: Answer(200, CSV, _payload("fred_empty.csv")),
    "blank": lambda: Answer(200, CSV, b""),
    "garbage": lambda: Answer(200, CSV, _payload("fred_garbage_value.csv")),
    "wrong-header": lambda: Answer(200, CSV, _payload("fred_drcclacbs.csv")),
    "bad-date": lambda: Answer(200, CSV, b"observation_date,DGS10\n12/19/2025,4.16\n"),
    "duplicate-date": lambda: Answer(
        200, CSV, b"observation_date,DGS10\n2025-12-19,4.16\n2025-12-19,4.17\n"
    ),
    "all-missing": lambda: Answer(200, CSV, b"observation_date,DGS10\n2025-12-25,.\n"),
    "slow": lambda: Answer(200, CSV, _payload("fred_dgs10.csv"), delay_seconds=1.0),
}


@dataclass
class FredServer:
    """A local stand-in for fred.stlouisfed.org."""

    port: int
    requests_seen: list[str] = field(default_factory=list)

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route}/fredgraph.csv"


@pytest.fixture(scope="module")
def fred_server() -> Iterator[FredServer]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            parsed = urllib.parse.urlsplit(self.path)
            route, _, rest = parsed.path.strip("/").partition("/")
            fred_id = urllib.parse.parse_qs(parsed.query).get("id", [""])[0]
            if rest != "fredgraph.csv":
                answer = Answer(404, "text/plain", b"no such path")
            elif route == "ok" and fred_id in OK_PAYLOADS:
                answer = Answer(200, CSV, _payload(OK_PAYLOADS[fred_id]))
            elif route == "ok":
                answer = Answer(404, HTML, _payload("fred_unknown_id.html"))
            else:
                answer = ROUTES[route]()
            time.sleep(answer.delay_seconds)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer.body)  # the timeout test's client has gone

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield FredServer(port=server.server_address[1], requests_seen=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def session() -> Iterator[requests.Session]:
    """A session that ignores proxy settings from the environment."""
    with requests.Session() as own:
        own.trust_env = False
        yield own


def _pack_rows(name: str) -> pd.Series:
    """Read a payload CSV the plain way, as the expected values."""
    frame = pd.read_csv(PAYLOADS / name, na_values=["."])
    return pd.Series(
        frame.iloc[:, 1].to_numpy(dtype=float), index=pd.to_datetime(frame.iloc[:, 0])
    ).dropna()


# --------------------------------------------------------------------------- FRED tests


def test_fred_default_url_is_the_public_csv_download() -> None:
    assert FRED_CSV_URL == "https://fred.stlouisfed.org/graph/fredgraph.csv"
    assert Provider("fred") is Provider.FRED
    assert Provider("yfinance") is Provider.YAHOO


def test_fred_daily_series(fred_server: FredServer, session: requests.Session) -> None:
    series = fetch_fred("DGS10", series_id="dgs10", session=session, base_url=fred_server.url("ok"))

    assert fred_server.requests_seen[-1] == "/ok/fredgraph.csv?id=DGS10"
    assert series.name == "dgs10"
    assert series.dtype == np.float64
    assert isinstance(series.index, pd.DatetimeIndex)
    assert series.index.name == "date"
    assert series.index.tz is None
    assert series.index.is_monotonic_increasing
    assert series.index.is_unique
    # 30 rows, of which Christmas, New Year's Day and Martin Luther King Day are '.'
    assert len(series) == 27
    assert pd.Timestamp("2025-12-25") not in series.index
    assert pd.Timestamp("2026-01-01") not in series.index
    assert pd.Timestamp("2026-01-19") not in series.index
    assert series.index[0] == pd.Timestamp("2025-12-19")
    assert series.index[-1] == pd.Timestamp("2026-01-29")
    # source units: percent stays percent
    assert series[pd.Timestamp("2025-12-19")] == 4.16
    assert series[pd.Timestamp("2026-01-29")] == 4.24
    expected = _pack_rows("fred_dgs10.csv")
    np.testing.assert_array_equal(series.to_numpy(), expected.to_numpy())
    np.testing.assert_array_equal(series.index, expected.index)


def test_fred_quarterly_series_keeps_start_of_quarter_dates(
    fred_server: FredServer, session: requests.Session
) -> None:
    series = fetch_fred(
        "DRCCLACBS", series_id="card_delinquency", session=session, base_url=fred_server.url("ok")
    )

    assert series.name == "card_delinquency"
    assert series.dtype == np.float64
    assert len(series) == 24
    assert all(date.day == 1 and date.month in (1, 4, 7, 10) for date in series.index)
    assert series[pd.Timestamp("2025-07-01")] == 2.98
    assert series[pd.Timestamp("2024-01-01")] == 3.17


def test_fred_accepts_the_older_date_header(
    fred_server: FredServer, session: requests.Session
) -> None:
    series = fetch_fred(
        "DGS10", series_id="dgs10", session=session, base_url=fred_server.url("legacy")
    )
    assert len(series) == 8  # ten rows, Christmas and New Year's Day are '.'
    assert series.index.name == "date"


def test_fred_without_a_session_opens_its_own(
    fred_server: FredServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    series = fetch_fred("DGS10", series_id="dgs10", base_url=fred_server.url("ok"))
    assert len(series) == 27


FRED_ERRORS = {
    "unknown-id-html": ("html", "HTML"),
    "html-served-as-csv": ("html-as-csv", "HTML"),
    "unknown-id-html-404": ("html-404", "HTTP 404"),
    "http-404": ("status-404", "HTTP 404"),
    "http-500": ("status-500", "HTTP 500"),
    "header-only": ("empty", "no values"),
    "empty-body": ("blank", "unreadable CSV"),
    "only-missing-values": ("all-missing", "no values"),
    "garbage-value": ("garbage", "'N/A' on 2025-12-29"),
    "wrong-header": ("wrong-header", "unexpected header"),
    "bad-date": ("bad-date", "unparsable date '12/19/2025'"),
    "duplicate-date": ("duplicate-date", "duplicated date 2025-12-19"),
}


@pytest.mark.parametrize(("route", "detail"), FRED_ERRORS.values(), ids=FRED_ERRORS.keys())
def test_fred_errors_name_the_series(
    fred_server: FredServer, session: requests.Session, route: str, detail: str
) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch_fred("DGS10", series_id="dgs10", session=session, base_url=fred_server.url(route))
    _assert_one_line_naming(caught.value, "dgs10", "DGS10", detail)


def test_fred_unknown_id_on_the_ok_route(
    fred_server: FredServer, session: requests.Session
) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch_fred("NOSUCHID", series_id="mystery", session=session, base_url=fred_server.url("ok"))
    _assert_one_line_naming(caught.value, "mystery", "NOSUCHID", "HTTP 404")


def test_fred_timeout(fred_server: FredServer, session: requests.Session) -> None:
    with pytest.raises(ProviderError) as caught:
        fetch_fred(
            "DGS10",
            series_id="dgs10",
            session=session,
            base_url=fred_server.url("slow"),
            timeout=0.2,
        )
    _assert_one_line_naming(caught.value, "dgs10", "DGS10", "Timeout")
    assert isinstance(caught.value.__cause__, requests.Timeout)


def test_fred_connection_refused(session: requests.Session) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with pytest.raises(ProviderError) as caught:
        fetch_fred(
            "DGS10",
            series_id="dgs10",
            session=session,
            base_url=f"http://127.0.0.1:{closed_port}/fredgraph.csv",
            timeout=2.0,
        )
    _assert_one_line_naming(caught.value, "dgs10", "DGS10", "ConnectionError")


# --------------------------------------------------------------------------- Yahoo


def recorded_spy_frame(*, time_zone: str | None = None) -> pd.DataFrame:
    """The frame ``yfinance.download("SPY", auto_adjust=True, multi_level_index=False)`` returns.

    Columns sorted by name as yfinance 1.7 sorts them (no ``Adj Close`` when
    auto-adjusting), ``Volume`` int64, the index a ``DatetimeIndex`` named
    ``Date``. Only ``Close`` holds recorded values; Open/High/Low copy it and
    Volume is zero.
    """
    recorded = pd.read_csv(PAYLOADS / "yahoo_spy_close.csv")
    index = pd.DatetimeIndex(pd.to_datetime(recorded["Date"]), name="Date")
    if time_zone is not None:
        index = index.tz_localize(time_zone)
    close = recorded["Close"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "Close": close,
            "High": close,
            "Low": close,
            "Open": close,
            "Volume": np.zeros(len(close), dtype=np.int64),
        },
        index=index,
    )


def failed_download_frame() -> pd.DataFrame:
    """What yfinance 1.7 returns when the download failed: columns, no rows."""
    columns = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]
    return pd.DataFrame(
        {column: pd.Series(dtype=float) for column in columns}, index=pd.DatetimeIndex([])
    )


@dataclass
class FakeDownload:
    """Stands in for ``yfinance.download``: records calls, returns or raises."""

    result: pd.DataFrame | None = None
    error: Exception | None = None
    log_error: str | None = None
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def __call__(self, *args: Any, **kwargs: Any) -> pd.DataFrame | None:
        self.calls.append((args, kwargs))
        if self.log_error is not None:
            logging.getLogger("yfinance").error(self.log_error)
        if self.error is not None:
            raise self.error
        return self.result


EXPECTED_OPTIONS = {
    "auto_adjust": True,
    "multi_level_index": False,
    "progress": False,
    "actions": False,
    "threads": False,
}


def _assert_spy(series: pd.Series) -> None:
    recorded = pd.read_csv(PAYLOADS / "yahoo_spy_close.csv")
    assert series.name == "spy"
    assert series.dtype == np.float64
    assert isinstance(series.index, pd.DatetimeIndex)
    assert series.index.name == "date"
    assert series.index.tz is None
    assert (series.index == series.index.normalize()).all()
    assert series.index.is_monotonic_increasing
    assert series.index.is_unique
    np.testing.assert_array_equal(series.index, pd.to_datetime(recorded["Date"]))
    np.testing.assert_array_equal(series.to_numpy(), recorded["Close"].to_numpy())


def test_yahoo_whole_history(blocked_connections: list[object]) -> None:
    download = FakeDownload(result=recorded_spy_frame())

    series = fetch_yahoo("SPY", series_id="spy", download=download)

    _assert_spy(series)
    assert series[pd.Timestamp("2024-12-02")] == 591.4791870117188
    assert download.calls == [
        (("SPY",), {**EXPECTED_OPTIONS, "start": None, "end": None, "period": "max"})
    ]


def test_yahoo_date_range_passes_start_and_end_without_period() -> None:
    download = FakeDownload(result=recorded_spy_frame())

    fetch_yahoo("SPY", series_id="spy", start="2024-12-01", end="2025-01-08", download=download)

    [(args, kwargs)] = download.calls
    assert args == ("SPY",)
    assert kwargs == {**EXPECTED_OPTIONS, "start": "2024-12-01", "end": "2025-01-08"}


def test_yahoo_end_without_start_still_asks_for_the_whole_history() -> None:
    # yfinance turns end-without-period into "the month before end".
    download = FakeDownload(result=recorded_spy_frame())
    fetch_yahoo("SPY", series_id="spy", end="2025-01-08", download=download)
    [(_, kwargs)] = download.calls
    assert kwargs["period"] == "max"
    assert kwargs["end"] == "2025-01-08"


@pytest.mark.parametrize("time_zone", ["America/New_York", "UTC", "Asia/Tokyo"])
def test_yahoo_tz_aware_index_keeps_the_exchange_date(time_zone: str) -> None:
    series = fetch_yahoo(
        "SPY",
        series_id="spy",
        download=FakeDownload(result=recorded_spy_frame(time_zone=time_zone)),
    )
    _assert_spy(series)


def test_yahoo_intraday_stamps_are_normalised_to_midnight() -> None:
    frame = recorded_spy_frame(time_zone="America/New_York")
    frame.index = frame.index + pd.Timedelta(hours=16)
    series = fetch_yahoo("SPY", series_id="spy", download=FakeDownload(result=frame))
    _assert_spy(series)


def test_yahoo_multiindex_price_ticker_columns() -> None:
    # yfinance 1.7 with multi_level_index=True (its default): (Price, Ticker).
    frame = recorded_spy_frame()
    frame.columns = pd.MultiIndex.from_product([frame.columns, ["SPY"]], names=["Price", "Ticker"])
    _assert_spy(fetch_yahoo("SPY", series_id="spy", download=FakeDownload(result=frame)))


def test_yahoo_multiindex_ticker_price_columns() -> None:
    # group_by="ticker" puts the ticker level first.
    frame = recorded_spy_frame()
    frame.columns = pd.MultiIndex.from_product([["SPY"], frame.columns], names=["Ticker", "Price"])
    _assert_spy(fetch_yahoo("SPY", series_id="spy", download=FakeDownload(result=frame)))


def test_yahoo_drops_rows_without_a_close() -> None:
    frame = recorded_spy_frame()
    frame.iloc[3, frame.columns.get_loc("Close")] = np.nan
    series = fetch_yahoo("SPY", series_id="spy", download=FakeDownload(result=frame))
    assert len(series) == len(frame) - 1
    assert frame.index[3] not in series.index


def test_yahoo_keeps_the_later_of_two_rows_on_one_day() -> None:
    frame = recorded_spy_frame(time_zone="America/New_York")
    extra = frame.iloc[[-1]].copy()
    extra.index = extra.index + pd.Timedelta(hours=15, minutes=30)
    extra["Close"] = 600.0
    frame = pd.concat([frame, extra])
    series = fetch_yahoo("SPY", series_id="spy", download=FakeDownload(result=frame))
    assert series.index.is_unique
    assert series.iloc[-1] == 600.0


def test_yahoo_default_download_is_yfinance_download(monkeypatch: pytest.MonkeyPatch) -> None:
    import yfinance

    download = FakeDownload(result=recorded_spy_frame())
    monkeypatch.setattr(yfinance, "download", download)
    _assert_spy(fetch_yahoo("SPY", series_id="spy"))
    assert len(download.calls) == 1


def _frame_with_close(values: list[float]) -> pd.DataFrame:
    frame = recorded_spy_frame().iloc[: len(values)].copy()
    frame["Close"] = values
    return frame


YAHOO_ERRORS: dict[str, tuple[FakeDownload, str]] = {
    "empty-frame": (FakeDownload(result=failed_download_frame()), "no rows"),
    "empty-frame-without-columns": (FakeDownload(result=pd.DataFrame()), "no rows"),
    "empty-frame-with-logged-reason": (
        FakeDownload(
            result=failed_download_frame(),
            log_error="['SPY']: YFRateLimitError('Too Many Requests. Rate limited. Try after a while.')",
        ),
        "Rate limited",
    ),
    "download-raises": (
        FakeDownload(error=RuntimeError("Too Many Requests.\nRate limited.")),
        "RuntimeError: Too Many Requests. Rate limited.",
    ),
    "download-returns-none": (FakeDownload(result=None), "returned NoneType"),
    "no-close-column": (
        FakeDownload(result=recorded_spy_frame().drop(columns="Close")),
        "no Close column",
    ),
    "all-nan": (
        FakeDownload(result=_frame_with_close([np.nan, np.nan, np.nan])),
        "every close is missing",
    ),
    "zero-price": (
        FakeDownload(result=_frame_with_close([590.0, 0.0, 591.0])),
        "close 0.0 on 2024-12-03",
    ),
    "negative-price": (
        FakeDownload(result=_frame_with_close([-1.0, 590.0])),
        "close -1.0 on 2024-12-02",
    ),
    "infinite-price": (
        FakeDownload(result=_frame_with_close([590.0, np.inf])),
        "non-finite close inf",
    ),
}


@pytest.mark.parametrize(("download", "detail"), YAHOO_ERRORS.values(), ids=YAHOO_ERRORS.keys())
def test_yahoo_errors_name_the_series(download: FakeDownload, detail: str) -> None:
    handlers_before = list(logging.getLogger("yfinance").handlers)
    with pytest.raises(ProviderError) as caught:
        fetch_yahoo("SPY", series_id="spy", download=download)
    _assert_one_line_naming(caught.value, "spy", "SPY", detail)
    assert logging.getLogger("yfinance").handlers == handlers_before


def test_yahoo_wraps_the_original_exception() -> None:
    original = ConnectionError("name resolution failed")
    with pytest.raises(ProviderError) as caught:
        fetch_yahoo("SPY", series_id="spy", download=FakeDownload(error=original))
    assert caught.value.__cause__ is original


class FakeTicker:
    """Replaces ``yfinance.Ticker`` inside ``yfinance.multi``: history without network."""

    fail_with: Exception | None = None

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self._price_history = None

    def history(self, **kwargs: Any) -> pd.DataFrame:
        if FakeTicker.fail_with is not None:
            raise FakeTicker.fail_with
        assert kwargs["auto_adjust"] is True
        return recorded_spy_frame(time_zone="America/New_York")


@pytest.fixture
def offline_yfinance(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeTicker]]:
    """Run the real ``yfinance.download`` with its per-ticker fetch faked."""
    multi = pytest.importorskip("yfinance.multi")
    if not hasattr(multi, "Ticker"):
        pytest.skip("yfinance.multi no longer fetches through Ticker")
    monkeypatch.setattr(multi, "Ticker", FakeTicker)
    monkeypatch.setattr(FakeTicker, "fail_with", None)
    yield FakeTicker


def test_yahoo_through_the_real_download_function(offline_yfinance: type[FakeTicker]) -> None:
    _assert_spy(fetch_yahoo("SPY", series_id="spy"))


def test_yahoo_real_download_failure_becomes_an_error(offline_yfinance: type[FakeTicker]) -> None:
    offline_yfinance.fail_with = RuntimeError("Too Many Requests. Rate limited. Try after a while.")
    with pytest.raises(ProviderError) as caught:
        fetch_yahoo("SPY", series_id="spy")
    _assert_one_line_naming(caught.value, "spy", "SPY", "no rows")
    assert "Rate limited" in str(caught.value)


# --------------------------------------------------------------------------- helpers


def _assert_one_line_naming(
    error: ProviderError, series_id: str, source_id: str, detail: str
) -> None:
    message = str(error)
    assert isinstance(error, UserError)
    assert "\n" not in message
    assert f"'{series_id}'" in message
    assert source_id in message
    assert detail in message, message
