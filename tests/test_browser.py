"""End to end: `streamlit run app.py` on a free loopback port, driven by Debian's Chromium through
Playwright (no browser download). Saves artifacts/e2e.png."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(seed_index_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "RESQA_INDEX": str(seed_index_dir), "RESQA_FEEDBACK": str(tmp_path / "fb.jsonl")}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + proc.stdout.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"), reason="Debian chromium not installed")
def test_questions_in_a_real_browser(server):
    from playwright.sync_api import expect, sync_playwright

    out = ROOT / "artifacts"
    out.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1800})
        page.goto(server, wait_until="domcontentloaded")
        box = page.get_by_placeholder("Ask about the resolutions (any language)")
        expect(box).to_be_visible(timeout=90_000)

        box.fill("Que demande instamment l’Assemblée aux pays membres ?")
        box.press("Enter")
        expect(page.get_by_text("Dispositif, alinéa 2").first).to_be_visible(timeout=60_000)
        expect(page.locator("blockquote").filter(has_text="DEMANDE INSTAMMENT à tous les pays membres").first
               ).to_be_visible()

        box.fill("Where was the 89th session held?")
        box.press("Enter")
        expect(page.get_by_text("The opening of GA-2021-89-RES-09").first).to_be_visible(timeout=60_000)
        expect(page.locator("blockquote").filter(has_text="Istanbul (Turquie)").first).to_be_visible()
        page.wait_for_timeout(500)
        page.screenshot(path=str(out / "e2e.png"), full_page=True)
        browser.close()
    assert (out / "e2e.png").stat().st_size > 10_000
    shutil.copy(out / "e2e.png", out / "e2e-last.png")
