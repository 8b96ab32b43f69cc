"""The COP page in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), a fresh profile, every request recorded.

- ``gsomia cop RUN.json --port P`` of a real ``gsomia run 2017-03-06 --json-out``: the DOM
  names the four launches, the three parties and the four routes, the PIP ellipses are
  drawn, the slider moves time, and no request goes to any host but 127.0.0.1:P; the
  served HTML, scripts and styles (``/docs`` too) hold no ``http://`` or ``https://`` URL.
- A live node (uvicorn on 127.0.0.1, mutual TLS, the operator's client certificate in the
  browser): a warning published through ``POST /v1/warnings`` shows on its ``/cop``
  within one second (the acceptance bound of the page's push, waited for, not measured),
  and a partner's warning shows with the marking applied on receipt (Art. 4(2)); the
  timeline shows the own warning withdrawn when its originator recalls it (Art. 6).

Screenshots go to ``tmp_path``, or to ``$GSOMIA_COP_SCREENSHOTS`` when set (the README's
pictures: ``GSOMIA_COP_SCREENSHOTS=docs pytest tests/web/test_cop_browser.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner
from web_support import WAIT_S, until

from gsomia.cli import app as cli_app
from gsomia.node import MissileWarning
from gsomia.node.persons import Personnel, PersonnelRecord
from gsomia.physics.geodesy import geodetic2ecef
from gsomia.sharing import load_catalog
from gsomia.sharing.pki import init_pki
from gsomia.web import bind
from gsomia.web.cop.geo import area_view

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LAUNCHES = ("L1", "L2", "L3", "L4")
PARTIES = ("JPN", "KOR", "USA")
ROUTES = ("none", "tisa_hub", "auto_hub", "direct")
URL = re.compile(r"https?://", re.IGNORECASE)

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)",
                allow_module_level=True)


def _shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("GSOMIA_COP_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def _browser_context(pw, profile: Path, **options):
    return pw.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=ARGS, headless=True,
        viewport={"width": 1600, "height": 1000}, **options)


@pytest.fixture(scope="module")
def run_json(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cop-run") / "r.json"
    result = CliRunner().invoke(cli_app, ["run", "2017-03-06", "--json-out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def replay(run_json):
    """``gsomia cop r.json --port P`` in its own process, on a port chosen at run time."""
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, "-c", "from gsomia.cli import main; main()",
                             "cop", str(run_json), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"gsomia cop stopped: {proc.stdout.read()}")
        try:
            return httpx.get(f"{base}/cop/api/config", timeout=1.0).status_code == 200
        except httpx.TransportError:
            return False

    until(up, "gsomia cop to listen", wait_s=60.0)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


def test_served_html_scripts_and_styles_name_no_other_host(replay):
    pages = ["/", "/cop", "/docs"]
    html = {p: httpx.get(replay + p).text for p in pages}
    linked = {m for text in html.values()
              for m in re.findall(r'(?:src|href)="(/[^"]+)"', text)}
    assert {"/cop/leaflet/leaflet.js", "/cop/leaflet/leaflet.css", "/cop/static/cop.js",
            "/cop/static/cop.css", "/docs/swagger-ui-bundle.js",
            "/docs/swagger-ui.css"} <= linked
    for path in [*pages, *sorted(linked)]:
        r = httpx.get(replay + path)
        assert r.status_code == 200, path
        assert not URL.search(r.text), f"{path}: {URL.search(r.text)}"


def test_replay_page_shows_the_run_offline(replay, tmp_path):
    requests: list[str] = []
    with playwright_api.sync_playwright() as pw:
        ctx = _browser_context(pw, tmp_path / "profile")
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(replay + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        text = page.inner_text("body")
        for name in (*LAUNCHES, *PARTIES, *ROUTES):
            assert re.search(rf"\b{name}\b", text), name
        # four maps, one per route; at T+120 s each launch's PIP ellipse is drawn on direct
        assert page.locator(".map[data-route]").count() == 4
        for launch in LAUNCHES:
            assert page.locator(f"#map-direct path.pip-{launch}").count() == 1, launch
        page.screenshot(path=str(_shots(tmp_path) / "cop-replay.png"))
        # the slider moves time: before the first PIP nothing is drawn, the clock says so
        before = page.inner_text("#time")
        page.eval_on_selector("#slider", "s => { s.value = '20';"
                                         " s.dispatchEvent(new Event('input')); }")
        assert page.inner_text("#time").startswith("T+20 s")
        assert page.inner_text("#time") != before
        assert page.locator("path.pip-ellipse").count() == 0
        page.eval_on_selector("#slider", "s => { s.value = s.max;"
                                         " s.dispatchEvent(new Event('input')); }")
        assert page.locator("#map-none path.pip-ellipse").count() == 4
        # play moves the clock on by itself
        page.eval_on_selector("#slider", "s => { s.value = '100';"
                                         " s.dispatchEvent(new Event('input')); }")
        page.click("#play")
        page.wait_for_function("!document.querySelector('#time').textContent"
                               ".startsWith('T+100 s')", timeout=10_000)
        page.click("#play")
        page.click("#parties button[data-party='KOR']")
        assert "KOR on" in page.inner_text("#missiles")
        ctx.close()
    assert errors == []
    hosts = {r.split("/")[2] for r in requests}
    assert hosts == {replay.removeprefix("http://")}, hosts
    assert len(requests) >= 6


# --- live node -------------------------------------------------------------------------

OPERATOR = PersonnelRecord("operator", "Duty Officer", "特定秘密",
                           frozenset({"dprk-missile-threat"}), False, False)


def _warning(track: str, t_s: float, epoch: dt.datetime, shift_deg: float = 0.0
             ) -> MissileWarning:
    """A missile in flight from North Korea towards the Sea of Japan (the numbers of a
    real flight's mid-course: 260 km up, 2.5 km/s)."""
    lat, lon = 39.7 + 0.1 * shift_deg, 127.6 + 0.9 * t_s / 60.0 + shift_deg
    x = geodetic2ecef(lat, lon, 260e3).ravel().tolist() + [1500.0, 1800.0, 600.0]
    P = [[(1e6 if i == j and i < 3 else 1e2 if i == j else 0.0) for j in range(6)]
         for i in range(6)]
    return MissileWarning(track, epoch, t_s, launch_point={
        "lat_deg": 39.66 + 0.1 * shift_deg, "lon_deg": 124.7 + shift_deg, "launch_s": 0.0,
        "launch_sigma_s": 4.0, "cov_en_m2": [[4e7, 0.0], [0.0, 2.5e7]]},
        trajectory={"t_s": t_s, "x_ecef": x, "P": P},
        impact_point={"lat_deg": 40.6 + 0.2 * shift_deg, "lon_deg": 136.4 + shift_deg,
                      "impact_s": 560.0, "impact_sigma_s": 6.0,
                      "cov_en_m2": [[9e8, 3e8], [3e8, 4e8]], "valid": True})


def _post(cluster, party: str, w: MissileWarning, path: str = "/v1/warnings") -> list:
    tls = cluster.operator_tls(party)
    body = w.to_dict() if isinstance(w, MissileWarning) else w
    r = httpx.post(f"{cluster.url(party)}{path}", json=body, verify=tls.client_context(),
                   timeout=5.0)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from gsomia.web.live import LiveCluster

    tmp = tmp_path_factory.mktemp("cop-live")
    init_pki(tmp / "pki")
    staff = {"operator": OPERATOR}
    c = LiveCluster(tmp / "pki", tmp, load_catalog(),
                    {"JPN": {"KOR": "direct"}, "KOR": {"JPN": "direct"}, "USA": {}},
                    personnel={"JPN": Personnel("JPN", staff, "jpn-personnel.toml")})
    c.start()
    yield c
    c.stop()


def test_live_cop_shows_a_published_warning_within_one_second(cluster, tmp_path):
    tls = cluster.operator_tls("JPN")
    origin = cluster.url("JPN")
    epoch = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=150)
    requests: list[str] = []
    with playwright_api.sync_playwright() as pw:
        ctx = _browser_context(pw, tmp_path / "profile", ignore_https_errors=True,
                               client_certificates=[{"origin": origin,
                                                     "certPath": str(tls.cert),
                                                     "keyPath": str(tls.key)}])
        page = ctx.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.goto(origin + "/cop")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        page.wait_for_selector("#status:text('live')", timeout=WAIT_S * 1000)
        assert page.locator(".missile").count() == 0
        # JPN's operator publishes: its own page shows it within one second
        released = _post(cluster, "JPN", _warning("JPN-7", 120.0, epoch))
        page.wait_for_selector(".missile[data-track-id='JPN-7']", timeout=1_000)
        # the originator withdraws it (Art. 6: recall): the timeline says so
        _post(cluster, "JPN", {"action": "recall"},
              f"/v1/items/{released[0]['item_id']}/actions")
        page.wait_for_selector("#timeline li:text('JPN-7 withdrawn (recall) by JPN')",
                               timeout=WAIT_S * 1000)
        assert "withdrawn (recall)" in page.inner_text(".missile[data-track-id='JPN-7']")
        assert page.locator("path.pip-JPN-7").count() == 0
        _post(cluster, "JPN", _warning("JPN-8", 140.0, epoch, shift_deg=0.5))
        page.wait_for_selector(".missile[data-track-id='JPN-8']", timeout=1_000)
        # Korea's warnings arrive at JPN's node; shown with the marking applied on receipt
        for t in (100.0, 130.0, 150.0):
            _post(cluster, "KOR", _warning("KOR-3", t, epoch, shift_deg=-0.6))
        page.wait_for_selector(".missile[data-track-id='KOR-3'][data-originator='KOR']",
                               timeout=WAIT_S * 1000)
        until(lambda: "3 reports" in page.inner_text(".missile[data-track-id='KOR-3']"),
              "the three KOR reports on the page")
        items = page.inner_text("#items")
        received = [i for i in cluster.nodes["JPN"].items() if i.originator == "KOR"]
        assert received and received[0].marking["text"] in items
        assert page.locator("path.pip-ellipse").count() == 2   # JPN-7 withdrawn
        assert page.locator("path.pip-KOR-3").count() == 1
        ip = _warning("KOR-3", 150.0, epoch, shift_deg=-0.6).impact_point
        first = area_view(ip["lat_deg"], ip["lon_deg"], ip["cov_en_m2"])[0]
        shown = f"area at risk: {first['party']} EEZ {100 * first['probability']:.0f} %"
        until(lambda: shown in page.inner_text(".missile[data-track-id='KOR-3']"),
              f"{shown!r} for KOR-3's PIP")
        page.screenshot(path=str(_shots(tmp_path) / "cop-live.png"))
        ctx.close()
    assert {r.split("/")[2] for r in requests} == {origin.removeprefix("https://")}
    # every read of the page's item list was decided for the operator and audited
    node = cluster.nodes["JPN"]
    with node.lock:
        reads = [r for r in node.audit.records() if r.kind == "read.permitted"]
    assert reads and all(r.body.get("person") == "operator" for r in reads)


def test_a_person_cannot_open_the_cop(cluster):
    tls = cluster.person_tls("JPN", "watch-officer")
    r = httpx.get(f"{cluster.url('JPN')}/cop", verify=tls.client_context(), timeout=5.0)
    assert r.status_code == 403
    assert "operator only" in r.json()["error"]
    r = httpx.get(f"{cluster.url('JPN')}/cop/api/events", verify=tls.client_context(),
                  timeout=5.0)
    assert r.status_code == 403


def test_docs_page_works_offline_on_a_node(cluster):
    tls = cluster.operator_tls("JPN")
    base = cluster.url("JPN")
    page = httpx.get(f"{base}/docs", verify=tls.client_context(), timeout=5.0).text
    assert "/docs/swagger-ui-bundle.js" in page and not URL.search(page)
    js = httpx.get(f"{base}/docs/swagger-ui-bundle.js", verify=tls.client_context(),
                   timeout=10.0)
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text and not URL.search(js.text)
    assert json.loads(httpx.get(f"{base}/openapi.json", verify=tls.client_context(),
                                timeout=5.0).text)["info"]["title"] == "gsomia node JPN"
