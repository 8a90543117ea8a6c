"""Which functions of a module FastAPI runs, in what role, and how often: the model
(``FastAPIModel``) and the roles it gives (``Role``), which summaries hold and the cache
stores. ``analysis/fastapi_roles.py`` builds the model from a module's tree.

``async def`` in any role runs on the event loop; a sync ``def`` handler or dependency
runs in the threadpool; lifespan, startup and script entry points run once, before or
outside serving.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastlint.analysis.syntax import FunctionNode


class RoleKind(str, enum.Enum):
    ROUTE = "route handler"
    WEBSOCKET = "websocket handler"
    DEPENDENCY = "dependency"
    MIDDLEWARE = "middleware"
    BACKGROUND = "background task"
    EXCEPTION_HANDLER = "exception handler"
    LIFESPAN = "lifespan"
    STARTUP = "startup handler"
    SHUTDOWN = "shutdown handler"
    ENTRYPOINT = "entry point"


ONCE = {RoleKind.LIFESPAN, RoleKind.STARTUP, RoleKind.SHUTDOWN, RoleKind.ENTRYPOINT}
# Background tasks run after the response is sent: they block the loop, but they are
# not request setup, so per-request resource rules leave them alone.
REQUEST_SCOPED = {RoleKind.ROUTE, RoleKind.WEBSOCKET, RoleKind.DEPENDENCY, RoleKind.MIDDLEWARE, RoleKind.EXCEPTION_HANDLER}


@dataclass(frozen=True)
class Role:
    kind: RoleKind
    endpoint: str | None = None  # "GET /items" for routes, "/ws" for websockets

    @property
    def once(self) -> bool:
        return self.kind in ONCE

    @property
    def request_scoped(self) -> bool:
        return self.kind in REQUEST_SCOPED


@dataclass
class AppObject:
    kind: str  # "app" | "router"
    prefix: str
    call: ast.Call


@dataclass
class FastAPIModel:
    roles: dict[FunctionNode, list[Role]] = field(default_factory=dict)
    apps: dict[str, AppObject] = field(default_factory=dict)
    # Functions of other modules that this module registers: qualified name -> roles.
    external_roles: dict[str, list[Role]] = field(default_factory=dict)
    owners: dict[FunctionNode, ast.ClassDef] = field(default_factory=dict)

    def roles_of(self, function: ast.AST) -> list[Role]:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return []
        return self.roles.get(function, [])

    def runs_only_once(self, function: ast.AST) -> bool:
        """Lifespan, startup and shutdown code; and, with no role, a method named for a
        service's start or stop (``teardown``, ``shutdown``: see ``SERVICE_LIFECYCLE``)."""
        roles = self.roles_of(function)
        if not roles:
            return isinstance(function, ast.AsyncFunctionDef) and function.name in SERVICE_LIFECYCLE and function in self.owners
        return all(role.once for role in roles)

    def is_request_scoped(self, function: ast.AST) -> bool:
        return any(role.request_scoped for role in self.roles_of(function))

    def describe(self, function: FunctionNode) -> str:
        """How a message names the function: ``async route handler GET /items``."""
        prefix = "async " if isinstance(function, ast.AsyncFunctionDef) else ""
        roles = self.roles_of(function)
        if not roles:
            return f"{prefix}function `{self.display_name(function)}`"
        role = min(roles, key=lambda r: list(RoleKind).index(r.kind))
        if role.endpoint:
            return f"{prefix}{role.kind.value} {role.endpoint}"
        return f"{prefix}{role.kind.value} `{self.display_name(function)}`"

    def display_name(self, function: FunctionNode) -> str:
        owner = self.owners.get(function)
        return f"{owner.name}.{function.name}" if owner else function.name

    def add_registered(self, registered: Mapping[str, tuple[Role, ...]], definitions: Mapping[str, ast.AST]) -> None:
        """Roles that other modules give to this module's functions, by local name
        (``get_user``, ``Checker.__call__``): ``Depends(deps.get_user)`` in ``main.py``
        makes ``get_user`` of ``deps.py`` a dependency here too."""
        for local, roles in registered.items():
            head, _, method = local.partition(".")
            node = definitions.get(head)
            if method and isinstance(node, ast.ClassDef):
                node = next((item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method), None)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                known = self.roles.setdefault(node, [])
                known.extend(role for role in roles if role not in known)


# Methods a service runs when the process starts or stops, not per request.
SERVICE_LIFECYCLE = frozenset({"teardown", "shutdown", "on_shutdown", "startup", "on_startup"})
