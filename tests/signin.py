"""Signing in as a user does, for tests of a served wall: through the login form
(in a browser or with requests), or with the demo admin `citywall serve` made."""

from __future__ import annotations

from pathlib import Path

import requests

from bench.scale import form_sign_in

TEST_ADMIN = ("test-admin", "a-test-admin-password")


def demo_admin(data_dir: str | Path) -> tuple[str, str]:
    """The demo admin `citywall serve` made on its first start."""
    kept = Path(data_dir, "demo-admin.txt").read_text(encoding="utf-8")
    fields = dict(line.split(": ", 1) for line in kept.splitlines() if ": " in line)
    return fields["username"], fields["password"]


def signed_in_session(
    base_url: str, username: str, password: str, session: requests.Session | None = None
) -> requests.Session:
    """A requests session holding the wall's session cookie."""
    return form_sign_in(session or requests.Session(), base_url, username, password)


def browser_sign_in(driver, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form; the browser keeps the session cookie."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, 30).until(lambda d: "/login" not in d.current_url)


def browser_signed_out(driver, base_url: str) -> None:
    """Forget the session as a person who signs out does, without a live page in
    between: the page the browser is on refreshes every few seconds, and a refresh
    sent after its cookie is gone is refused (403) and logged in its console, the
    console a signed-out test then reads (a full run found such a line). So the
    browser first goes to a quiet page of the same wall (cookies belong to the
    page's origin): the sign-in form, which refreshes nothing and names its icon
    (an address that is no page, /healthz, has the browser ask for /favicon.ico:
    a 404 line). Then it drops the cookies, then the console's lines so far."""
    driver.get(f"{base_url}/login")
    driver.delete_all_cookies()
    driver.get_log("browser")


def browser_session(driver) -> requests.Session:
    """A requests session with the browser's cookies: a download as the signed-in
    user makes it."""
    session = requests.Session()
    for cookie in driver.get_cookies():
        session.cookies.set(
            cookie["name"], cookie["value"], path=cookie.get("path", "/")
        )
    return session
