"""Real headless Chromium (Debian's, installed by scripts/test-deps.sh; never
`playwright install`) driven by Playwright, one browser per module."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop in this thread, and Django refuses ORM
    # calls from a thread with a running loop; the test's own queries are synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshots() -> Path:
    """Where page screenshots go: var/screenshots/ (kept as test artifacts)."""
    directory = Path(settings.BASE_DIR) / "var" / "screenshots"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def page(chromium: Browser) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 900, "height": 900}, locale="en-US")
    yield context.new_page()
    context.close()


class ClientApplication:
    """The relying party's side: a local HTTP server whose /callback and /signed-out pages
    record the URLs the browser was sent to (http://localhost is a valid CallbackURL)."""

    def __init__(self) -> None:
        self.visits: list[str] = []
        visits = self.visits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                visits.append(self.path)
                body = b"<!DOCTYPE html><title>app</title><h1>app</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://localhost:{self.server.server_address[1]}"
        self.callback_url = f"{self.origin}/callback"
        self.logout_url = f"{self.origin}/signed-out"

    def last_visit(self, path: str) -> str:
        """The latest URL (path and query) the browser opened under ``path``."""
        return [visit for visit in self.visits if visit.split("?")[0] == path][-1]

    def __enter__(self) -> ClientApplication:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def client_application() -> Iterator[ClientApplication]:
    with ClientApplication() as application:
        yield application


@pytest.fixture
def app_client(
    idp: Any, pool: dict[str, Any], client_application: ClientApplication
) -> dict[str, Any]:
    """A public OAuth client of the seed pool calling back to the local application."""
    response = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="Browser app",
        CallbackURLs=[client_application.callback_url],
        LogoutURLs=[client_application.logout_url],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        SupportedIdentityProviders=["COGNITO"],
    )
    return dict(response["UserPoolClient"])
