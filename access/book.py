"""The accounts, wall screens and embed tokens of one store, as the admin page
manages them: the store stays inside, so no page holds an engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from access import accounts, embed_tokens


@dataclass(frozen=True)
class AccountBook:
    engine: Engine

    def accounts(self) -> list[accounts.Account]:
        return accounts.list_accounts(self.engine)

    def disable_account(self, username: str, now: datetime) -> None:
        accounts.disable_account(self.engine, username, now)

    def screens(self) -> list[accounts.Device]:
        return accounts.list_devices(self.engine)

    def add_screen(self, label: str, now: datetime) -> str:
        """A new wall screen; its one-time enrolment code."""
        return accounts.add_device(self.engine, label, now)

    def revoke_screen(self, label: str, now: datetime) -> None:
        accounts.revoke_device(self.engine, label, now)

    def tokens(self) -> list[embed_tokens.IssuedToken]:
        return embed_tokens.list_tokens(self.engine)

    def revoke_token(self, token_id: int, now: datetime) -> None:
        embed_tokens.revoke(self.engine, token_id, now)
