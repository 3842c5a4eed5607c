"""The four roles, each seeing everything the ones below it see."""

from __future__ import annotations

from enum import IntEnum


class Role(IntEnum):
    PUBLIC = 0  # anonymous, only when the city opens its public KPIs
    VIEWER = 1  # wall screens and embeds: aggregates only
    STAFF = 2  # district pages, record tables, CSV of records
    ADMIN = 3  # sources, health, configuration, manual disaster stage

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(
                f"role must be one of {', '.join(r.label for r in cls)}, not {text!r}"
            ) from None


# Camera access levels (connectors.base.ACCESS_LEVELS) a role may see.
CAMERA_LEVEL_FOR = {
    Role.PUBLIC: "public",
    Role.VIEWER: "public",
    Role.STAFF: "staff",
    Role.ADMIN: "restricted",
}
