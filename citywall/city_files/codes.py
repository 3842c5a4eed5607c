"""Wall codes for codes the wall cannot use as they are (a name used as the key,
spaces, accents, too long): a slug, numbered when empty or taken, with the
official code kept beside it."""

from __future__ import annotations

from city.district_codes import MAX_LENGTH, is_wall_code, slug


def wall_codes(official: list[str], notes: list[str]) -> dict[str, str]:
    """``{official code: wall code}``. When the wall can use every code as it is,
    each maps to itself; otherwise every code gets a slug, so a city's codes look
    alike (not "Kennedy" beside "comite-del-pueblo")."""
    if all(is_wall_code(code) for code in official):
        return {code: code for code in official}
    out: dict[str, str] = {}
    for number, code in enumerate(official, start=1):
        base = slug(code) or f"district-{number}"
        candidate, n = base, 2
        while candidate in out.values():
            suffix = f"-{n}"
            candidate, n = base[: MAX_LENGTH - len(suffix)] + suffix, n + 1
        out[code] = candidate
    example = next(code for code in official if not is_wall_code(code))
    notes.append(
        f"codes such as {example!r} cannot serve as they are (in URLs, file names, "
        f"CSV): wrote code = {out[example]!r} and the like, each with its "
        "official_code"
    )
    return out
