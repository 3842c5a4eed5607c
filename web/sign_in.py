"""The sign-in routes: the built-in login (a fallback to the intranet's proxy), sign
out, a wall screen's enrolment link, and the page shown when a role is too low.

Plain server-rendered HTML with the wall's own stylesheet and dark theme: the login
must work before any Dash script may load. In the wall's three languages: the
address's ``?lang=``, else the browser's, with a switch.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from urllib.parse import parse_qs, parse_qsl, quote, urlencode, urlsplit, urlunsplit

from flask import Flask, Response, abort, current_app, redirect, request, session
from markupsafe import Markup

from access import accounts
from access import identity as who
from access.accounts import ENROL_ROUTE, SignInLocked
from city.i18n import t
from components.shell import language_names
from web import runtime, transport
from web.settings import Settings
from web.signing import signing_key

CSRF_KEY = "csrf"
SCREEN_COOKIE_YEARS = 10  # a wall screen never signs itself out


def quote_next(path: str) -> str:
    return quote(path, safe="/")


def _safe_next(raw: str | None, prefix: str) -> str:
    """Only a path of this wall: never another site (``//evil``, ``https://…``)."""
    if not raw:
        return prefix
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//"):
        return prefix
    return raw


def _in_language(path: str, lang: str | None) -> str:
    """``path`` in the language the sign-in page was read in, unless it names one."""
    parts = urlsplit(path)
    query = parse_qs(parts.query)
    if lang not in runtime.profile().languages or "lang" in query:
        return path
    return urlunsplit(
        parts._replace(query=urlencode([*parse_qsl(parts.query), ("lang", lang)]))
    )


def _locked(locked: SignInLocked) -> str:
    if locked.seconds < 120:
        return t(language(), "sign_in.locked_seconds", seconds=locked.seconds)
    return t(language(), "sign_in.locked_minutes", minutes=(locked.seconds + 59) // 60)


def add_views(server: Flask, settings: Settings, routes: str) -> None:
    prefix = settings.url_prefix

    @server.route(f"{routes}login", methods=["GET", "POST"])
    def login() -> Response | str:
        wanted = _safe_next(request.values.get("next"), prefix)
        if request.method == "GET":
            return _login_page(prefix, wanted, error=None)
        expected = str(session.get(CSRF_KEY) or "")
        if not expected or not secrets.compare_digest(
            expected, request.form.get(CSRF_KEY, "")
        ):
            return _login_page(prefix, wanted, t(language(), "sign_in.expired")), 400
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:1024]
        try:
            signed_in = accounts.sign_in(
                runtime.engine(),
                username,
                password,
                transport.client_address(runtime.settings()),
                datetime.now(UTC),
                salt=signing_key(current_app),
            )
        except SignInLocked as locked:
            page = _login_page(prefix, wanted, _locked(locked))
            return page, 429, {"Retry-After": str(locked.seconds)}
        if signed_in is None:
            return _login_page(prefix, wanted, t(language(), "sign_in.wrong")), 401
        session.clear()  # a fresh session: nothing carried over from before sign-in
        session[who.SESSION_USER] = username
        session[who.SESSION_VERSION] = signed_in.session_version
        session.permanent = True
        who.remembered.forget(who.session_key(username))
        return redirect(_in_language(wanted, request.form.get("lang")))

    @server.route(f"{routes}logout", methods=["GET", "POST"])
    def logout() -> Response:
        """Signs the account out everywhere: a copy of this cookie (or of the
        account's other sessions) is refused from now on."""
        signed_in = who.from_session(runtime.engine(), session)
        if signed_in is not None:
            accounts.sign_out_everywhere(runtime.engine(), signed_in.name)
            who.remembered.forget(who.session_key(signed_in.name))
        session.clear()
        return redirect(f"{prefix}login")

    @server.route(f"{routes}{ENROL_ROUTE}<code>")
    def enrol(code: str) -> Response:
        """An admin opens the screen's enrolment link once; the screen keeps a
        secret in a cookie for years and never signs itself out."""
        secret = accounts.enrol(runtime.engine(), code[:200], datetime.now(UTC))
        if secret is None:
            abort(
                403,
                "This enrolment link was used already or has expired: ask an admin "
                "for a new one (citywall screen renew <label>).",
            )
        response = redirect(f"{prefix}wall")
        response.set_cookie(
            who.SCREEN_COOKIE,
            secret,
            max_age=SCREEN_COOKIE_YEARS * 365 * 86400,
            path=prefix,
            httponly=True,
            secure=transport.cookie_secure(runtime.settings()),
            samesite="Lax",
        )
        return response


def language() -> str:
    """The sign-in pages' language: the address's ``?lang=`` (or the one of the page
    the visitor is sent on to), else the browser's Accept-Language, else the city's
    default."""
    profile = runtime.profile()
    for asked in (
        request.values.get("lang"),
        parse_qs(urlsplit(request.values.get("next") or "").query).get("lang", [""])[0],
    ):
        if asked in profile.languages:
            return asked
    browser = request.accept_languages.best_match(profile.languages)
    return browser or profile.default_language


def _page(prefix: str, lang: str, heading: str, body: Markup, switch: Markup) -> str:
    """A page on the wall's dark theme, with the city's name, in ``lang``."""
    city = runtime.profile().name(lang)
    return Markup(
        "<!DOCTYPE html><html lang='{lang}' data-bs-theme='dark'><head>"
        "<meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>{title}</title>"
        # the wall's own icon: without it the browser asks for /favicon.ico, a 404
        "<link rel='icon' href='{prefix}_favicon.ico'>"
        "<link rel='stylesheet' href='{prefix}assets/00-bootstrap.min.css'>"
        "<link rel='stylesheet' href='{prefix}assets/10-wall.css'>"
        "</head><body class='sign-in-body'><main class='sign-in'>{switch}"
        "<h1 class='sign-in-brand'><span class='brand-mark'>CityWall</span> "
        "<span class='brand-city'>{city}</span></h1>"
        "<h2 class='sign-in-heading'>{heading}</h2>{body}</main></body></html>"
    ).format(
        lang=lang,
        title=t(lang, "title.page", page=heading, city=city),
        prefix=prefix,
        switch=switch,
        city=city,
        heading=heading,
        body=body,
    )


def _switch(prefix: str, lang: str, wanted: str) -> Markup:
    """The same page in the other languages, still going on to ``wanted``."""
    links = Markup("").join(
        Markup(
            "<a class='lang-link{active}' href='{prefix}login?{query}' hreflang='{code}'"
            " lang='{code}' title='{name}'>{label}</a>"
        ).format(
            active=" active" if code == lang else "",
            prefix=prefix,
            query=urlencode({"lang": code, "next": wanted}),
            code=code,
            name=name,
            label=code.upper(),
        )
        for code, name in language_names(runtime.profile())
    )
    return Markup(
        "<nav class='lang-switch sign-in-langs' aria-label='{}'>{}</nav>"
    ).format(t(lang, "nav.language"), links)


def _login_page(prefix: str, wanted: str, error: str | None) -> str:
    lang = language()
    token = session.get(CSRF_KEY) or secrets.token_urlsafe(24)
    session[CSRF_KEY] = token
    message = (
        Markup("<p class='sign-in-error' role='alert'>{}</p>").format(error)
        if error
        else Markup("")
    )
    form = Markup(
        "<form method='post' action='{prefix}login' class='sign-in-form'>"
        "<input type='hidden' name='csrf' value='{token}'>"
        "<input type='hidden' name='next' value='{wanted}'>"
        "<input type='hidden' name='lang' value='{chosen}'>"
        "<label for='username'>{username}</label>"
        "<input id='username' name='username' autocomplete='username' required autofocus>"
        "<label for='password'>{password}</label>"
        "<input id='password' name='password' type='password' "
        "autocomplete='current-password' required>"
        "<button type='submit' id='sign-in'>{submit}</button></form>"
    ).format(
        prefix=prefix,
        token=token,
        wanted=wanted,
        # a language picked here (not the browser's) goes on with the visitor
        chosen=request.values.get("lang", "")[:2],
        username=t(lang, "sign_in.username"),
        password=t(lang, "sign_in.password"),
        submit=t(lang, "sign_in.submit"),
    )
    if runtime.settings().public_kpis:  # the city's open data needs no sign-in
        form += Markup(
            "<p class='sign-in-more'><a href='{}public?lang={}'>{}</a></p>"
        ).format(prefix, lang, t(lang, "sign_in.open_data"))
    return _page(
        prefix,
        lang,
        t(lang, "sign_in.heading"),
        message + form,
        _switch(prefix, lang, wanted),
    )


def refusal_page(status: int, caller, settings: Settings) -> Response:
    prefix = settings.url_prefix
    lang = language()
    if caller is None:
        text = t(lang, "sign_in.needs_token")
    else:
        text = t(lang, "sign_in.needs_role", name=caller.name, role=caller.role.label)
    body = Markup(
        "<p class='sign-in-error' role='alert'>{}</p>"
        "<p class='sign-in-more'><a href='{}?lang={}'>{}</a></p>"
    ).format(text, prefix, lang, t(lang, "sign_in.back"))
    page = _page(prefix, lang, t(lang, "sign_in.not_allowed"), body, Markup(""))
    return Response(page, status=status)
