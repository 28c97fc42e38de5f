"""The console's users and the record of their actions, both kept in the ledger.

Passwords are stored as argon2id hashes (argon2-cffi's ``PasswordHasher``: memory-hard,
salted, parameters kept in the hash so they can be raised later); see ADR 0010.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from clerk._errors import ConfigError
from clerk._ledger_schema import console_actions, console_users

_HASHER = PasswordHasher()  # argon2id, 64 MiB, 3 passes: argon2-cffi's RFC 9106 "low memory" profile
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
SHORTEST_PASSWORD = 12


class Role(StrEnum):
    OPERATOR = "operator"  # sees everything, and may act
    AUDITOR = "auditor"  # sees everything, changes nothing


@dataclass(frozen=True, slots=True)
class User:
    name: str
    role: Role

    @property
    def may_act(self) -> bool:
        return self.role is Role.OPERATOR


@dataclass(frozen=True, slots=True)
class Action:
    at: str
    user: str
    action: str
    target: str
    detail: str


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Accounts:
    """Users and actions in the ledger's database.

    Example:
        accounts = Accounts(ledger_engine(settings))
        accounts.add("ops1", Role.OPERATOR, password)
    """

    def __init__(self, engine: sa.Engine, hasher: PasswordHasher = _HASHER) -> None:
        self._engine = engine
        self._hasher = hasher
        self._decoy: str | None = None  # checked when the name is unknown, so both cases take as long

    def add(self, name: str, role: Role, password: str) -> None:
        """Add the user, or set a new role and password for an existing one.

        Raises:
            ConfigError: a name with characters other than letters, digits and ``._-@``, or a
                password shorter than SHORTEST_PASSWORD characters.
        """
        if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
            raise ConfigError(f"user name {name!r}: use 1 to 64 letters, digits and . _ - @")
        if len(password) < SHORTEST_PASSWORD:
            raise ConfigError(f"the password for {name} is too short: at least {SHORTEST_PASSWORD} characters")
        hashed = self._hasher.hash(password)
        with self._engine.begin() as db:
            db.execute(console_users.delete().where(console_users.c.name == name))
            db.execute(console_users.insert().values(name=name, role=role.value, password_hash=hashed,
                                                     created_at=_now()))

    def user(self, name: str) -> User | None:
        with self._engine.connect() as db:
            row = db.execute(sa.select(console_users.c.name, console_users.c.role)
                             .where(console_users.c.name == name)).first()
        return User(row.name, Role(row.role)) if row else None

    def check(self, name: str, password: str) -> User | None:
        """The user, if ``password`` is theirs."""
        with self._engine.connect() as db:
            row = db.execute(sa.select(console_users).where(console_users.c.name == name)).mappings().first()
        if self._decoy is None:
            self._decoy = self._hasher.hash("no such user")
        try:
            self._hasher.verify(row["password_hash"] if row else self._decoy, password)
        except (VerificationError, InvalidHashError):
            return None
        return User(row["name"], Role(row["role"])) if row else None

    def record(self, user: User, action: str, target: str, detail: str = "") -> None:
        with self._engine.begin() as db:
            db.execute(console_actions.insert().values(at=_now(), user_name=user.name, action=action,
                                                       target=target, detail=detail))

    def actions(self, limit: int = 50) -> list[Action]:
        with self._engine.connect() as db:
            rows = db.execute(sa.select(console_actions).order_by(console_actions.c.seq.desc()).limit(limit)).mappings()
            return [Action(r["at"], r["user_name"], r["action"], r["target"], r["detail"]) for r in rows]
