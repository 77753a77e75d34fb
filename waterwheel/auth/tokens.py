"""JWTs that let a running task reach its own stash, and a worker its config.

Two audiences share one key, as in the original: ``waterwheel.stash`` (held by
task code) and ``waterwheel.config`` (held by workers). HS256 with
``WATERWHEEL_HMAC_SECRET``, or RS256 when ``WATERWHEEL_PUBLIC_KEY`` names a PEM
file (the private key then signs).

A stash token names the task, its job, its project and the trigger datetime of
the run, and the stash routes let it reach exactly those: read the global and
project stash, read and write the job stash of that run. It carries no write
right to the project stash: a task writes there only under the key prefixes
its job document grants (``project_stash_write``), which the API reads from the
task at each write, so the right is opt-in, per task, scoped by prefix, and
revoked for running tasks as soon as a document drops it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from jwt.algorithms import get_default_algorithms

from waterwheel.config import ConfigError, Settings
from waterwheel.timeutil import format_datetime, parse_datetime

STASH_AUDIENCE = "waterwheel.stash"
CONFIG_AUDIENCE = "waterwheel.config"
ISSUER = "waterwheel"
LEEWAY_SECONDS = 60
CONFIG_LIFETIME_SECONDS = 300
# What message signatures sign besides the message: never a valid JWT input.
MESSAGE_CONTEXT = b"waterwheel.message\n"
# HS256 keys shorter than the hash are below its strength (RFC 7518, 3.2).
MIN_SECRET_BYTES = 32
GENERATE_SECRET = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


class InvalidToken(Exception):
    """The token is missing, malformed, expired or for another audience."""


@dataclass(frozen=True)
class StashGrant:
    """What a stash token lets its bearer reach."""

    task_id: uuid.UUID
    job_id: uuid.UUID
    project_id: uuid.UUID
    trigger_datetime: datetime


class TokenKeys:
    """Signs and verifies Waterwheel JWTs with the configured key."""

    def __init__(self, signing_key: Any, verifying_key: Any, algorithm: str) -> None:
        self._signing_key = signing_key
        self._verifying_key = verifying_key
        self.algorithm = algorithm
        # Message signatures (see ``sign_message``): keys prepared once.
        self._message_algorithm = get_default_algorithms()[algorithm]
        if algorithm == "HS256":
            derived = hmac.new(signing_key, MESSAGE_CONTEXT, hashlib.sha256).digest()
            self._message_signer = self._message_verifier = derived
        else:
            self._message_signer = self._message_algorithm.prepare_key(signing_key)
            self._message_verifier = self._message_algorithm.prepare_key(verifying_key)

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenKeys:
        if settings.public_key:
            if not settings.private_key:
                raise ConfigError("WATERWHEEL_PRIVATE_KEY is required with WATERWHEEL_PUBLIC_KEY")
            public = Path(settings.public_key).read_bytes()
            private = Path(settings.private_key).read_bytes()
            return cls(private, public, "RS256")
        if settings.hmac_secret:
            secret = settings.hmac_secret.encode()
            if len(secret) < MIN_SECRET_BYTES:
                raise ConfigError(
                    f"WATERWHEEL_HMAC_SECRET is {len(secret)} bytes long; it must be at least"
                    f" {MIN_SECRET_BYTES} (a short secret can be guessed offline from any token):"
                    f" {GENERATE_SECRET}"
                )
            return cls(secret, secret, "HS256")
        raise ConfigError(
            "WATERWHEEL_HMAC_SECRET is not set (or WATERWHEEL_PUBLIC_KEY and _PRIVATE_KEY):"
            f" every API, scheduler and worker process needs the same secret; {GENERATE_SECRET}"
        )

    def _sign(self, audience: str, subject: str, lifetime: int, extra: dict[str, Any]) -> str:
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": audience,
            "exp": int(time.time()) + lifetime,
            **extra,
        }
        return jwt.encode(claims, self._signing_key, algorithm=self.algorithm)

    def _verify(self, token: str, audience: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                self._verifying_key,
                algorithms=[self.algorithm],
                audience=audience,
                issuer=ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None

    def stash_token(self, grant: StashGrant, lifetime: int) -> str:
        """A token for one run; ``lifetime`` should cover the run's timeout."""
        extra = {
            "job_id": str(grant.job_id),
            "project_id": str(grant.project_id),
            "trigger_datetime": format_datetime(grant.trigger_datetime),
        }
        return self._sign(STASH_AUDIENCE, str(grant.task_id), lifetime, extra)

    def verify_stash(self, token: str) -> StashGrant:
        claims = self._verify(token, STASH_AUDIENCE)
        try:
            return StashGrant(
                task_id=uuid.UUID(claims["sub"]),
                job_id=uuid.UUID(claims["job_id"]),
                project_id=uuid.UUID(claims["project_id"]),
                trigger_datetime=parse_datetime(claims["trigger_datetime"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken(f"stash token lacks a valid claim: {exc}") from None

    def sign_message(self, payload: bytes) -> str:
        """A detached signature of a broker message (a worker's progress), so
        its consumer can tell a worker's message from one a task forged. With
        HS256 the key is derived from the secret for this one use; with RS256
        the private key signs. Tasks hold neither."""
        signature = self._message_algorithm.sign(MESSAGE_CONTEXT + payload, self._message_signer)
        return base64.urlsafe_b64encode(signature).decode().rstrip("=")

    def verify_message(self, payload: bytes, signature: str) -> bool:
        try:
            raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        except ValueError:
            return False
        return self._message_algorithm.verify(
            MESSAGE_CONTEXT + payload, self._message_verifier, raw
        )

    def config_token(self, subject: uuid.UUID) -> str:
        return self._sign(CONFIG_AUDIENCE, str(subject), CONFIG_LIFETIME_SECONDS, {})

    def verify_config(self, token: str) -> str:
        """The subject (a task or project id) the config token was issued for."""
        return self._verify(token, CONFIG_AUDIENCE)["sub"]
