"""Screenshots of the cockpit for the documentation, made from the demo — never by hand.

    python docs/screenshots.py            # writes docs/img/*.png

Loads the Taiping demo into a throw-away data directory, serves it on a free local port, signs in through the
real login form in Debian's Chromium (Playwright, no browser download) as the personas, and writes:

- docs/img/cockpit-leader.png      the party secretary's cockpit (demo-leader), desktop 1280 px
- docs/img/cockpit-economy.png     an office's version (demo-economy), desktop 1280 px
- docs/img/home-village-phone.png  the village cadre's home (demo-village), a 390 × 844 phone
- docs/img/board-village-phone.png      the targets board as cards (demo-village), a 390 × 844 phone
- docs/img/breakdown-village-phone.png  土地流转's breakdown by village as cards (demo-village), a 390 × 844 phone
- docs/img/ledger-village-phone.png     a ledger's rows as cards (demo-village), a 390 × 844 phone

Each is checked not to scroll sideways and kept small (PNG, under 300 KB; the screen only, never the whole page).
Nothing is fetched from the internet.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "zhili-demo"
MAX_BYTES = 300_000
PHONE = {"width": 390, "height": 844}
SHOTS = [
    # (file, persona, viewport, phone, page: its path, then the text of a link to follow on it or None, then what
    # to scroll to the top of the screen or None)
    ("cockpit-leader.png", "demo-leader", {"width": 1280, "height": 1150}, False, ("/", None, None)),
    ("cockpit-economy.png", "demo-economy", {"width": 1280, "height": 1000}, False, ("/", None, None)),
    ("home-village-phone.png", "demo-village", {"width": 390, "height": 2200}, True, ("/", None, None)),
    ("board-village-phone.png", "demo-village", PHONE, True, ("/targets/", None, ".light-summary")),
    ("breakdown-village-phone.png", "demo-village", PHONE, True, ("/targets/", "土地流转", "#shares")),
    ("ledger-village-phone.png", "demo-village", PHONE, True, ("/ledgers/land-transfer/", None, "main h1")),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2)  # our own local server
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server at {url} did not answer")


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zhili-shots-") as data:
        env = {k: v for k, v in os.environ.items() if k != "ZHILI_DATABASE_URL"}
        env["ZHILI_DATA_DIR"] = data
        run = [sys.executable, "-m", "zhili"]
        subprocess.run([*run, "demo", "--no-serve"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        port = _free_port()
        server = subprocess.Popen(
            [*run, "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait(base + "/healthz")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
                for name, persona, viewport, phone, (path, link, top) in SHOTS:
                    options = {"is_mobile": True, "has_touch": True} if phone else {}
                    context = browser.new_context(base_url=base, locale="zh-CN", viewport=viewport, **options)
                    page = context.new_page()
                    page.goto("/login/")
                    page.fill("input[name=username]", persona)
                    page.fill("input[name=password]", PASSWORD)
                    with page.expect_navigation():
                        page.click("form[action='/login/'] button[type=submit]")
                    if path != "/":
                        page.goto(path)
                    if link:
                        with page.expect_navigation():
                            page.locator("main").get_by_role("link", name=link, exact=True).first.click()
                    if top:
                        page.locator(top).first.evaluate("el => el.scrollIntoView()")
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > viewport["width"] + 1:
                        raise SystemExit(f"{page.url} scrolls sideways: {wide} px > {viewport['width']} px")
                    path = OUT / name
                    page.screenshot(path=str(path), full_page=False)
                    size = path.stat().st_size
                    if size > MAX_BYTES:
                        raise SystemExit(f"{path} is {size} bytes (more than {MAX_BYTES})")
                    print(f"{path.relative_to(ROOT)}  {size // 1024} KB")
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
