"""End to end: `streamlit run app.py` on a free loopback port, driven by Debian's Chromium through
Playwright (no browser download). Screenshots go under the test's tmp_path (pytest keeps the last
three runs' folders); their paths are printed, for a CI job to collect."""

import os
import re
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
    yield from _serve({"RESQA_INDEX": str(seed_index_dir), "RESQA_FEEDBACK": str(tmp_path / "fb.jsonl")})


@pytest.fixture
def library_server(tmp_path):
    """The page over SC 662/664/665/667 (1990), which recall each other (hash embedder: fast to build)."""
    from resqa.config import Settings
    from resqa.pipeline import Pipeline

    Pipeline(Settings(index_dir=tmp_path / "index", embedder="hash"), create=True).ingest(
        [ROOT / "tests" / "data" / "sc-1990.jsonl"])
    yield from _serve({"RESQA_INDEX": str(tmp_path / "index"), "RESQA_EMBEDDER": "hash",
                       "RESQA_FEEDBACK": str(tmp_path / "fb.jsonl")})


def _serve(extra_env: dict[str, str]):
    port = free_port()
    env = {**os.environ, **extra_env}
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


needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists() and not os.environ.get("CI"),
                                    reason="Debian chromium not installed")


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
        "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"])


def open_chat(browser, url: str, height: int):
    """A new page on the Ask view, once its chat box is there: (page, box)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": height})
    page.goto(url, wait_until="domcontentloaded")
    box = page.get_by_placeholder("Ask about the resolutions (any language)")
    expect(box).to_be_visible(timeout=90_000)
    return page, box


@needs_chromium
def test_questions_in_a_real_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shot = tmp_path / "e2e.png"
    with sync_playwright() as p:
        browser = launch(p)
        page, box = open_chat(browser, server, height=1800)

        box.fill("Que demande instamment l’Assemblée aux pays membres ?")
        box.press("Enter")
        expect(page.get_by_text("Paragraphe 2 du dispositif").first).to_be_visible(timeout=60_000)
        expect(page.locator("blockquote").filter(has_text="DEMANDE INSTAMMENT à tous les pays membres").first
               ).to_be_visible()

        box.fill("Where was the 89th session held?")
        box.press("Enter")
        expect(page.get_by_text("The opening of GA-2021-89-RES-09").first).to_be_visible(timeout=60_000)
        expect(page.locator("blockquote").filter(has_text="Istanbul (Turquie)").first).to_be_visible()

        # An Arabic question: its answer reads right to left, the French clause it quotes inside it
        # set apart as its own left-to-right run
        box.fill("ما الذي تحث عليه الجمعية البلدان الأعضاء؟")
        box.press("Enter")
        answers = page.get_by_test_id("stChatMessage")
        expect(answers).to_have_count(6, timeout=60_000)
        body = answers.nth(5).locator("[data-testid=stMarkdownContainer] p").first
        expect(body).to_contain_text("الفقرة", timeout=60_000)
        starts_right, isolated = body.evaluate("""p => {
            const r = document.createRange(), t = p.firstChild;
            r.setStart(t, 0); r.setEnd(t, 1);
            const box = p.getBoundingClientRect(), ch = r.getBoundingClientRect();
            return [ch.left > box.left + box.width / 2, p.textContent.includes("«\\u2068")];
        }""")
        assert starts_right and isolated
        page.wait_for_timeout(500)
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000


@needs_chromium
def test_citation_opens_its_clause_and_recalls_link_opens_the_cited_resolution(library_server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        page, box = open_chat(browser, library_server, height=1200)
        box.fill("What does the Council demand that Iraq permit for third-State nationals?")
        box.press("Enter")
        link = page.get_by_role("link", name="in its document").first
        expect(link).to_be_visible(timeout=60_000)
        link.click()
        # the document opens in place at the cited clause, its quoted words highlighted
        focus = page.locator("article.resqa-doc .clause.focus")
        expect(focus).to_be_visible(timeout=30_000)
        expect(focus.locator("mark")).to_be_visible()
        assert "doc=" in page.url and "clause=" in page.url
        assert focus.locator("mark").inner_text().strip() in focus.inner_text()
        page.screenshot(path=str(tmp_path / "e2e-document.png"))
        print(f"screenshot: {tmp_path / 'e2e-document.png'}")

        # a resolution that 664 (1990) recalls, opened from the "Recalls" list (ids: slug or symbol)
        doc = "S-RES-664-1990" if "S-RES" in page.url else "S%2FRES%2F664+%281990%29"
        page.goto(f"{library_server}/library?doc={doc}", wait_until="domcontentloaded")
        expect(page.get_by_text("Recalls (1)")).to_be_visible(timeout=60_000)
        page.get_by_role("link", name="S/RES/662 (1990)").first.click()
        expect(page.locator("article.resqa-doc h2")).to_have_text("Security Council resolution 662 (1990)",
                                                                  timeout=30_000)
        expect(page).to_have_url(re.compile("662"), timeout=10_000)

        # the Library table: searching narrows it, and choosing a row opens that document
        page.goto(library_server + "/library", wait_until="domcontentloaded")
        search = page.get_by_label("Search ids, titles and text")
        expect(search).to_be_visible(timeout=60_000)
        search.fill("665")
        search.press("Enter")
        # 665 itself first, then the resolutions whose text recalls it
        expect(page.get_by_text(re.compile(r"^[12] of 4 documents"))).to_be_visible(timeout=30_000)
        page.wait_for_timeout(1000)  # the grid is a canvas: let it draw before clicking its first checkbox
        grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
        page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)
        expect(page.locator("article.resqa-doc h2")).to_have_text("Security Council resolution 665 (1990)",
                                                                  timeout=30_000)
        browser.close()
