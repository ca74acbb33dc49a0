"""Browser tests: Playwright drives Debian's chromium against a whole lojasync on 127.0.0.1.

The installation is the one `lojasync serve` runs (the same FastAPI app, its embedded worker), fed by the
store simulator over signed webhooks, transmitting to the embedded SEFAZ simulator, for a company with a
test certificate and a user created through the accounts service.

Who runs them: `LOJASYNC_BROWSER_TESTS=1` (.ci/run) requires them, so a missing browser fails there;
`=0` skips them; unset, they run where /usr/bin/chromium and Playwright are installed and skip, saying
why, elsewhere. Never `playwright install`: no browser is downloaded, Debian's is used.

Screenshots of every page a test visits go to tests/browser/artifacts/<test>/ (or $LOJASYNC_ARTIFACTS),
and one more, `falha.png`, when the test fails.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.browser.installation import BackOffice, running_back_office

CHROMIUM = Path(os.environ.get("LOJASYNC_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("LOJASYNC_ARTIFACTS") or Path(__file__).parent / "artifacts")
# Generous: two cores are shared by the workers, chromium and the worker threads of each installation.
TIMEOUT_MS = 20_000


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is installed
    except ImportError:
        return "o Playwright não está instalado (.venv/bin/pip install -e '.[test]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"não há chromium em {CHROMIUM} (instale o do Debian: apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def browser():
    mode = os.environ.get("LOJASYNC_BROWSER_TESTS", "").strip()
    if mode == "0":
        pytest.skip("testes no navegador desligados (LOJASYNC_BROWSER_TESTS=0); o .ci/run os roda num passo próprio")
    problem = _missing()
    if problem is not None:
        if mode == "1":
            pytest.fail(f"LOJASYNC_BROWSER_TESTS=1, mas {problem}", pytrace=False)
        pytest.skip(f"teste no navegador: {problem}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    # The sandbox needs user namespaces chromium refuses to use as root (CI runs as root).
    args = ["--lang=pt-BR"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    # Kept on the test item so that the page fixture knows, at teardown, whether to save a failure shot.
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@dataclass
class Screenshots:
    """Numbered full-page screenshots of one test, in the order they were taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page, name: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture()
def shots(request) -> Screenshots:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Screenshots(folder)


@pytest.fixture()
def page(browser, shots, request):
    """A fresh browser tab (own cookies) in pt-BR, the timezone of the store."""
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    # Whatever the pages' Content-Security-Policy blocked (an inline script, a style, eval): each test walks its pages
    # under the policy, and one that blocked something of the site's own fails here.
    blocked = []
    tab.on("console", lambda message: blocked.append(message.text)
           if "Content Security Policy" in message.text else None)
    yield tab
    if getattr(request.node, "browser_failed", False):
        tab.screenshot(path=str(shots.folder / "falha.png"), full_page=True)
    context.close()
    assert not blocked, blocked


@pytest.fixture()
def back_office(app, tmp_path, monkeypatch) -> BackOffice:
    """lojasync serving on a free port with its worker, a store on the simulator, a company and a user."""
    with running_back_office(app, tmp_path, monkeypatch) as installation:
        yield installation
