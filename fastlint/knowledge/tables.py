"""The knowledge tables merged with the user's configuration, built once per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from fastlint.knowledge.blocking import BLOCKING_CALLS, BlockingCall
from fastlint.knowledge.clients import CLIENT_CONSTRUCTORS, ClientConstructor
from fastlint.knowledge.resilience import IDEMPOTENCY_KEY_HEADERS, RETRY_POLICIES, RetryPolicy
from fastlint.knowledge.sdk import blocking_sdk_call
from fastlint.knowledge.types import BASES, canonical_name
from fastlint.settings import Settings

OFFLOAD_WRAPPERS = frozenset(
    {
        "starlette.concurrency.run_in_threadpool",
        "asyncio.to_thread",
        "anyio.to_thread.run_sync",
        "asyncer.asyncify",
        "asgiref.sync.sync_to_async",
    }
)


@dataclass(frozen=True)
class Knowledge:
    blocking: dict[str, BlockingCall]
    offload_wrappers: frozenset[str]
    clients: dict[str, ClientConstructor] = field(default_factory=dict)
    retry_policies: dict[str, RetryPolicy] = field(default_factory=dict)
    idempotency_headers: frozenset[str] = frozenset()  # lower case
    allowed: frozenset[str] = frozenset()  # ``allow-blocking-calls``: names and the SDK types they prefix
    # ``blocking_call``'s answers by name: pass 1, the chains and the rules ask it of every callee.
    _answers: dict[str, BlockingCall | None] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "_answers": {}}  # a worker asks its own questions

    @classmethod
    def from_settings(cls, settings: Settings) -> Knowledge:
        blocking = {entry.name: entry for entry in BLOCKING_CALLS}
        for extra in settings.extend_blocking_calls:
            name = canonical_name(extra.name)
            blocking[name] = BlockingCall(name, extra.code, extra.use_instead)
        for allowed in settings.allow_blocking_calls:
            blocking.pop(canonical_name(allowed), None)
        wrappers = OFFLOAD_WRAPPERS | {canonical_name(name) for name in settings.extend_offload_wrappers}
        clients = {entry.name: entry for entry in CLIENT_CONSTRUCTORS}
        for name in settings.extend_client_constructors:
            clients[canonical_name(name)] = ClientConstructor(canonical_name(name), "FL202", "client")
        # A user's retry decorator: its bounds are unknown, so only FL302 reads it.
        retries = dict(RETRY_POLICIES)
        for name in settings.extend_retry_decorators:
            retries.setdefault(canonical_name(name), RetryPolicy(canonical_name(name), canonical_name(name)))
        headers = frozenset(h.lower() for h in (*IDEMPOTENCY_KEY_HEADERS, *settings.extend_idempotency_key_headers))
        allowed_names = frozenset(canonical_name(name) for name in settings.allow_blocking_calls)
        return cls(blocking, frozenset(wrappers), clients, retries, headers, allowed_names)

    @cached_property
    def blocking_methods(self) -> frozenset[str]:
        """The last segment of every blocking name: a method call named otherwise needs no inference."""
        return frozenset(name.rpartition(".")[2] for name in self.blocking)

    def blocking_call(self, name: str) -> BlockingCall | None:
        """The entry for ``name``, looking through known subclasses to their base."""
        answers = self._answers
        if name in answers:
            return answers[name]
        entry = answers[name] = self._blocking_call(name)
        return entry

    def _blocking_call(self, name: str) -> BlockingCall | None:
        entry = self.blocking.get(name)
        if entry is None:
            type_name, _, method = name.rpartition(".")
            base = BASES.get(type_name)
            if base:
                entry = self.blocking.get(f"{base}.{method}")
        if entry is None:
            entry = self._sdk_call(name)
        return entry

    def _sdk_call(self, name: str) -> BlockingCall | None:
        """A request made by a sync SDK client (``sdk.py``), unless the user allowed it."""
        sdk = blocking_sdk_call(name)
        if sdk is None or self.allows(name):
            return None
        return BlockingCall(name, sdk.code, sdk.use_instead.replace("{call}", name))

    def allows(self, name: str) -> bool:
        parts = name.split(".")
        return any(".".join(parts[:end]) in self.allowed for end in range(1, len(parts) + 1))
