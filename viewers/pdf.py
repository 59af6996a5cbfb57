"""Printable profiles: HTML pages printed to A4 PDF by Chromium (Debian's ``chromium``, driven by Playwright).

The pages are opened from disk with every request off the machine refused, so a
PDF holds exactly what the page holds.
"""

from __future__ import annotations

import html
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from wijkatlas.errors import WijkatlasError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-background-networking",
         "--disable-component-update"]

#: Chromium fills the spans of class pageNumber and totalPages
FOOTER = ('<div style="font: 8px DejaVu Sans, sans-serif; color: #444; width: 100%; margin: 0 12mm; display: flex; '
          'justify-content: space-between"><span>{text}</span><span>pagina <span class="pageNumber"></span> van '
          '<span class="totalPages"></span></span></div>')


def chromium() -> str:
    """The path of the Chromium to print with.

    Raises
    ------
    WijkatlasError
        When no Chromium is installed.
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise WijkatlasError("Chromium ontbreekt; nodig voor de PDF-profielen: installeer het (Debian: apt install "
                         "chromium, of 'make system-deps'), of schrijf de site zonder PDF's (--geen-pdf)")


def print_pdfs(pages: dict[Path, str]) -> list[Path]:
    """Print every HTML page to a PDF beside it (same name, ``.pdf``) with its footer text and page numbers.

    Printed from a thread of its own: Playwright's synchronous API refuses to run
    where an event loop is running (a notebook, a server, another Playwright).
    """
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(_print, pages).result()


def _print(pages: dict[Path, str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=FLAGS)
        try:
            page = browser.new_context(locale="nl-NL").new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file://")
                       else route.abort())
            for html_page, footer in pages.items():
                page.goto(html_page.resolve().as_uri())
                page.emulate_media(media="print")
                target = html_page.with_suffix(".pdf")
                page.pdf(path=str(target), prefer_css_page_size=True, print_background=True,
                         display_header_footer=True, header_template="<span></span>",
                         footer_template=FOOTER.format(text=html.escape(footer)))
                written.append(target)
        finally:
            browser.close()
    return written
