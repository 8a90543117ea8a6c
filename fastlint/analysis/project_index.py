"""The project index: every module's summary, merged, and the questions asked across modules.

Names are resolved from syntax only, through the summaries: absolute and relative
imports (already qualified by the summaries), submodules (``pkg.mod.f``), re-exports
through ``__init__.py``, module-level instances (``geo = GeoClient()``) and methods found
on a class or its project base classes. The analysed code is never imported.

Every module the index looks at (or looks for and does not find) while a check is
``recording()`` is returned to that check, so that a cached finding can be keyed on
exactly the summaries it rests on.
Two answers rest on facts that any module may add, not on modules one can name in
advance: the roles other modules give to a module's functions, the ORM models of the
whole registry (``relationship("Book")``) and what modules store on ``request.state``.
They are noted as the pseudo-modules ``ROLES + module``, ``REGISTRY`` and ``STATE``,
whose digests ``fact_digests`` computes. An answer that goes through every module rests
on which modules exist too: the pseudo-module ``MODULES``.
"""

from __future__ import annotations

from ast import Call
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TypeVar

from fastlint.analysis.fastapi_model import Role, RoleKind
from fastlint.analysis.inference import CALLED, DIVIDED
from fastlint.analysis.module_names import dotted_prefixes, dotted_rest
from fastlint.analysis.module_summary import DERIVED, PATH, FunctionSummary, ModuleSummary
from fastlint.analysis.orm_models import ModelInfo
from fastlint.analysis.reachability import ONCE, SERVED, Reachability, is_test
from fastlint.analysis.schemas import SchemaClass
from fastlint.analysis.summaries import ProjectFacts, Summaries
from fastlint.analysis.unset_arguments import call_arguments, guarding_parameters, unset_parameters
from fastlint.digests import value_digest
from fastlint.finding import shown_call, shown_function
from fastlint.knowledge import types as known
from fastlint.knowledge.tables import Knowledge

_MAX_RESOLVE = 16
T = TypeVar("T")
ROLES = "<roles>:"
REGISTRY = "<orm-registry>"
STATE = "<request-state>"
MODULES = "<modules>"
# Whether the project maps any class at all: most files ask only that (no read is lazy
# without a model), and its digest changes far less often than the registry's.
ORM_ANY = "<orm-any>"
REACH = "<reach>:"
# The most unrelated project classes (methods that override none of the others) a method
# name may be defined by for a call of it on an object of unknown type to reach them all
# while serving (``Reachability``).
_BY_NAME_DEFINITIONS = 4


def is_pseudo_module(name: str) -> bool:
    """The pseudo-modules above start with ``<``, which no module name can."""
    return name.startswith("<")


@dataclass(frozen=True)
class Chain:
    """``functions[0]() -> ... -> functions[-1]() -> blocking`` (``code``)."""

    functions: tuple[str, ...]  # display names: ``fetch_rates``, ``GeoClient.lookup``
    blocking: str
    code: str
    root: str = ""  # the canonical name of ``functions[-1]``

    def describe(self, entry: str | None = None) -> str:
        """``fetch() -> requests.get (FL101)``, in the names the user wrote (``Client()`` for
        ``Client.__init__``, "iterating a file object" for ``for line in f``); ``entry``:
        the first function as its call is written (see ``entry``)."""
        names = [entry or shown_function(self.functions[0]), *map(shown_function, self.functions[1:])]
        return " -> ".join([*(f"{name}()" for name in names), f"{shown_call(self.blocking)} ({self.code})"])

    def entry(self, written: str | None) -> str:
        """The first function as the caller's call ``written`` names it: a constructor is
        named by the class called (a subclass inherits its base's ``__init__``)."""
        if written and self.functions[0].endswith(".__init__"):
            return written
        return shown_function(self.functions[0])


def alias_digests(aliases: Mapping[str, str]) -> dict[str, str]:
    """What an alias stands for, as the findings cache compares it with the digest it had
    when a check consulted it (None: no module had that name then)."""
    return {alias: f"={module}" for alias, module in aliases.items()}


# What ``ProjectIndex`` sends another process: every attribute but the answers by name
# (``_memo``, ``_splits``, ``_heads``), which each process fills as it asks (see
# ``forget_asked``). A test checks that it names every other attribute ``__init__`` sets.
_SENT = ("modules", "aliases", "_loader", "_absent", "knowledge", "max_depth", "digests", "parsed_files", "complete", "_stack",
         "_resolved", "_registered", "_registrations_read", "_by_short_name", "_state_written", "_app_callers", "_reach", "_serves")
_PER_PROCESS = ("_memo", "_splits", "_heads")


class ProjectIndex:
    def __init__(
        self,
        summaries: Iterable[ModuleSummary] | Summaries,
        knowledge: Knowledge,
        max_depth: int = 8,
        loader: Callable[[str], ModuleSummary | None] | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        # A ``Summaries`` given as it is may make some summaries when first asked for.
        self.modules = summaries if isinstance(summaries, Summaries) else Summaries({summary.module: summary for summary in summaries})
        # The other names Python imports modules by (``litellm.proxy.utils`` for
        # ``proxy.utils``), each to its module's name (``module_names.module_aliases``).
        self.aliases: Mapping[str, str] = aliases or {}
        # A partial index summarises a module of the project when a question first names it
        # (``loader``: its summary, or None when the project has no such module); the
        # questions across every module then see those loaded so far.
        self._loader = loader
        self._absent: set[str] = set()
        self.knowledge = knowledge
        self.max_depth = max_depth
        # module -> digest of its summary, set by the engine for the findings cache.
        self.digests: dict[str, str] = {}
        # Absolute paths of the files pass 1 parsed, set by the engine.
        self.parsed_files: frozenset[str] = frozenset()
        # False when only part of the project was summarised (an import closure): facts
        # that any module may add (roles, the ORM registry, request.state) may be missing.
        self.complete = True
        self._stack: list[set[str]] = []
        self._memo: dict[tuple[str, object], tuple[object, frozenset[str]]] = {}
        # name -> (``resolve``'s answer, the modules it rests on), during one recording only.
        self._resolved: dict[str, tuple[str | None, frozenset[str]]] | None = None
        self._registered: dict[str, dict[str, tuple[Role, ...]]] | None = None
        self._registrations_read: set[str] = set()  # the modules resolving them looked at
        self._by_short_name: dict[str, list[str]] | None = None  # ORM model names by class name
        self._state_written: dict[str, list[str]] | None = None  # request.state attribute -> types stored
        self._app_callers: dict[str, list[tuple[str, bool]]] | None = None  # app factory -> may its callers set docs
        self._reach: dict[str, dict[str, str]] | None = None
        self._serves = False  # whether any served entry point is known (set with ``_reach``)
        # name -> (the module names it tried, ``_split``'s answer): asked ~100,000 times
        # on a large project, mostly for the same names.
        self._splits: dict[str, tuple[tuple[str, ...], tuple[ModuleSummary, list[str]] | None]] = {}
        self._heads: frozenset[str] | None = None  # see ``_module_heads``

    def __reduce__(self) -> tuple[type[ProjectIndex], tuple[Summaries, Knowledge], dict[str, object]]:
        """What a worker process gets (the engine sends the index to the workers that kept
        pass 1's trees): the summaries and the answers about the whole project computed so
        far, not the answers by name, which each process fills as it asks: an empty index
        given that state (the compiled class has no ``__dict__`` for pickle to restore)."""
        if self._loader is not None or self._stack:
            raise TypeError("only a complete index, outside a recording, is sent to another process")
        return type(self), (Summaries(), self.knowledge), {name: getattr(self, name) for name in _SENT}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def forget_asked(self) -> None:
        """Drop the answers by name (``_split``'s and the memoised ones), which each process
        fills as it asks: pass 2's workers are forked with this index, and what computing
        the project's facts asked here (27,000 names on litellm's proxy, 16 MB) would be
        copied into each worker page by page as its lookups touch the entries."""
        self._memo = {}
        self._splits = {}

    # -- names -------------------------------------------------------------------------

    def _split(self, name: str) -> tuple[ModuleSummary, list[str]] | None:
        """The project module that ``name`` lies in (by its name or an alias), and the rest
        of the name."""
        known = self._splits.get(name)
        if known is not None:  # the prefixes it tried are noted again: the answer rests on them
            if self._stack:  # (outside a recording, as ``_note`` would, at once: asked ~100,000 times)
                self._note(known[0])
            return known[1]
        if self._loader is None and name.partition(".")[0] not in self._module_heads():
            # No module or alias of the project starts as ``name`` does (a library's name:
            # most of the names asked): every prefix would be tried and none found.
            nowhere = tuple(dotted_prefixes(name))
            self._note(nowhere)
            self._splits[name] = (nowhere, None)
            return None
        tried: list[str] = []
        found: tuple[ModuleSummary, list[str]] | None = None
        prefix = name
        while True:  # the prefixes longest first, cut as tried (``dotted_prefixes`` cost reachability 10% on litellm)
            tried.append(prefix)
            self._note((prefix,))
            summary = self.modules.get(prefix)
            if summary is None and prefix in self.aliases:
                module = self.aliases[prefix]
                tried.append(module)  # the answer rests on the module too, not only on its alias
                self._note((module,))
                summary = self.modules.get(module)
                if summary is None and self._loader is not None:
                    summary = self._load(module)
            elif summary is None and self._loader is not None:
                summary = self._load(prefix)
            if summary is not None:
                found = summary, dotted_rest(name, prefix)
                break
            cut = prefix.rfind(".")
            if cut < 0:
                break
            prefix = prefix[:cut]
        if self._loader is None:  # a partial index may load a module of that name later
            self._splits[name] = (tuple(tried), found)
        return found

    def _module_heads(self) -> frozenset[str]:
        """The first part of every module's name and alias (``app`` for ``app.routers.users``),
        for a complete index: a name that starts otherwise lies in no module of the project."""
        if self._heads is None:
            self._heads = frozenset(name.partition(".")[0] for names in (self.modules, self.aliases) for name in names)
        return self._heads

    def _spelled(self, name: str, summary: ModuleSummary, rest: list[str]) -> str:
        """``name`` spelled from its module's own name: an alias names the same module
        otherwise, and answers (memos, chains, ORM models) are keyed on one spelling."""
        return ".".join([summary.module, *rest]) if self.aliases else name

    def _load(self, module: str) -> ModuleSummary | None:
        if module in self._absent:
            return None
        assert self._loader is not None
        summary = self._loader(module)
        if summary is None:
            self._absent.add(module)
        else:
            self.modules[module] = summary
            self._registered = self._by_short_name = self._state_written = None  # what every module adds, asked again
        return summary

    def stop_loading(self) -> None:
        """A partial index answers from the modules loaded so far from now on."""
        self._loader = None

    def replace_module(self, module: str, summary: ModuleSummary | None) -> None:
        """Put ``summary`` in place of ``module``'s (None: the module is gone), forgetting
        only the answers that rest on it: the editor re-checks a buffer after each
        keystroke against the same index, whose other answers stay memoised."""
        old = self.modules.get(module)
        if old == summary:
            return
        if summary is None:
            self.modules.pop(module, None)
        else:
            self.modules[module] = summary
        self._absent.discard(module)
        self._splits = {}
        self._heads = None
        changed = {module}
        if old is None or summary is None or old.models != summary.models:
            changed.add(REGISTRY)
            self._by_short_name = None
        if old is None or summary is None or old.state != summary.state:
            changed.add(STATE)
            self._state_written = None
        roles = self._registered is not None and (
            old is None or summary is None or old.registers != summary.registers or module in self._registrations_read
        )
        if roles:
            self._registered = None
        if self._reach is not None and _reach_signature(old) != _reach_signature(summary):
            self._reach = None  # a call, entry point or class changed: walk the graph again
        self._memo = {
            key: entry
            for key, entry in self._memo.items()
            if not (entry[1] & changed) and not (roles and any(name.startswith(ROLES) for name in entry[1]))
        }

    def resolve(self, name: str, depth: int = 0) -> str | None:
        """The canonical name of what ``name`` denotes: ``app.services.geocode`` becomes
        ``app.services.geo.geocode``; ``app.clients.geo.lookup`` becomes
        ``app.clients.GeoClient.lookup``. Names outside the project are returned as they are.

        Within a check (a recording), each name is resolved once, with the modules it rests on
        noted again at each asking: the rules ask it of the same callees over and over (about
        three times in four on open-webui). Not kept beyond the check, so the memory stays flat."""
        resolved = self._resolved
        if depth or resolved is None or not self._stack or self._loader is not None:
            return self._resolve(name, depth)
        known = resolved.get(name)
        if known is None:
            self._stack.append(set())
            try:
                value = self._resolve(name, 0)
            finally:
                modules = self._stack.pop()
            known = resolved[name] = (value, frozenset(modules))
        self._note(known[1])
        return known[0]

    def _resolve(self, name: str, depth: int) -> str | None:
        if depth > _MAX_RESOLVE:
            return None
        if CALLED in name:
            head, _, after = name.partition(CALLED)
            result = self.call_result(head, depth + 1)
            if after.startswith(DIVIDED):  # ``app.f()/.write_text``: a path division of the result
                if result != PATH:
                    return None
                after = after[len(DIVIDED):]
            return self.resolve(result + after, depth + 1) if result else None
        split = self._split(name)
        if split is None:
            return name
        summary, rest = split
        if not rest or rest[0] in summary.classes or rest[0] in summary.functions:
            return self._spelled(name, summary, rest)
        tail = "".join(f".{part}" for part in rest[1:])
        if rest[0] in summary.instances:
            instance = self._module_instance(summary, rest[0], depth + 1)
            return self.resolve(instance + tail, depth + 1) if instance else None
        if rest[0] in summary.imports:
            return self.resolve(summary.imports[rest[0]] + tail, depth + 1)
        return None

    def _defined(self, name: str, lookup: Callable[[ModuleSummary, str, int], str | None], depth: int = 0) -> str | None:
        """``lookup(summary, local, depth)`` in the module that defines the module-level
        ``name``, following re-exports (``from .db import SessionDep`` in ``deps.py``)."""
        split = self._split(name)
        if split is None or len(split[1]) != 1 or depth > _MAX_RESOLVE:
            return None
        summary, (local,) = split
        found = lookup(summary, local, depth)
        if found is None and local in summary.imports and local not in summary.functions and local not in summary.classes:
            return self._defined(summary.imports[local], lookup, depth + 1)
        return found

    def _instance_type(self, name: str, depth: int) -> str | None:
        """The type of the module-level instance ``name`` names, if it names one."""

        def instance(summary: ModuleSummary, head: str, depth: int) -> str | None:
            written = self._module_instance(summary, head, depth + 1) if head in summary.instances else None
            return self.resolve(written, depth + 1) if written else None

        return self._defined(name, instance, depth)

    def _module_instance(self, summary: ModuleSummary, head: str, depth: int) -> str | None:
        """The type of a module-level instance; one derived from an instance of another
        module (``CACHE_DIR = DATA_DIR / "cache"``) is written ``@`` + its name, and ``/`` at
        the end when derived by a path division (a ``pathlib.Path`` stays one)."""
        written = summary.instances[head]
        if not written.startswith(DERIVED):
            return written
        source = written[len(DERIVED):]
        divided = source.endswith(DIVIDED)
        found = self._instance_type(source.removesuffix(DIVIDED), depth + 1) if depth <= _MAX_RESOLVE else None
        return found if not divided or found == PATH else None

    def instance_type(self, name: str) -> str | None:
        """The type of the module-level instance ``name`` of another module (``config.UPLOADS``)."""
        return self._memoized(("instance_type", name), lambda: self._instance_type(name, 0))

    def call_result(self, name: str, depth: int = 0) -> str | None:
        """The type that calling ``name`` returns (for ``TypeInference``'s ``external_result``)."""
        return self._memoized(("call_result", name), lambda: self._call_result(name, depth))

    def _call_result(self, name: str, depth: int) -> str | None:
        if depth > _MAX_RESOLVE:
            return None
        instance = self._instance_type(name, depth + 1)
        if instance is not None:
            return known.CALL_RESULTS.get(instance)
        canonical = self.resolve(name, depth + 1)
        if canonical is None:
            return None
        if self._is_class(canonical):
            return canonical
        function = self.function(canonical)
        if function is not None:
            returns = function[1].returns
            return self.resolve(returns, depth + 1) if returns else None
        return known.CONSTRUCTORS.get(canonical) or known.method_result(canonical)

    def _is_class(self, name: str) -> bool:
        split = self._split(name)
        return split is not None and len(split[1]) == 1 and split[1][0] in split[0].classes

    def function(self, canonical: str, depth: int = 0) -> tuple[str, FunctionSummary] | None:
        """The project function or method a canonical name denotes, with its own canonical
        name; a class stands for its ``__init__``, a method may come from a project base."""
        return self._function(canonical, depth, {})

    def _function(self, canonical: str, depth: int, searched: dict[str, int]) -> tuple[str, FunctionSummary] | None:
        """``function``, with the depth at which each base's method was searched already in
        this lookup: a base that several bases share (lnbits' settings classes, 40 of them
        over ``pydantic.BaseModel``) is searched once, not once per path to it. A search
        that failed fails again from as deep or deeper (it sees less); from less deep it is
        done again."""
        split = self._split(canonical)
        if split is None or depth > _MAX_RESOLVE:
            return None
        summary, rest = split
        if len(rest) == 1 and rest[0] in summary.functions:
            return self._spelled(canonical, summary, rest), summary.functions[rest[0]]
        if len(rest) == 1 and rest[0] in summary.classes:
            return self._function(f"{canonical}.__init__", depth + 1, searched)
        if len(rest) != 2 or rest[0] not in summary.classes:
            return None
        local = f"{rest[0]}.{rest[1]}"
        if local in summary.functions:
            return self._spelled(canonical, summary, rest), summary.functions[local]
        for base in summary.classes[rest[0]]:
            resolved = self.resolve(base, depth + 1)
            if not resolved:
                continue
            method = f"{resolved}.{rest[1]}"
            if searched.get(method, _MAX_RESOLVE + 1) <= depth + 1:
                continue
            searched[method] = depth + 1
            found = self._function(method, depth + 1, searched)
            if found is not None:
                return found
        return None

    def is_subclass(self, name: str, bases: frozenset[str], depth: int = 0) -> bool:
        """Whether the class ``name`` derives from one of ``bases`` (library classes),
        directly or through project base classes of any module."""
        if name in bases:
            return True
        canonical = self.resolve(name)
        split = self._split(canonical) if canonical and depth <= _MAX_RESOLVE else None
        if split is None or len(split[1]) != 1 or split[1][0] not in split[0].classes:
            return canonical in bases
        return any(self.is_subclass(base, bases, depth + 1) for base in split[0].classes[split[1][0]])

    # -- type aliases ------------------------------------------------------------------

    def type_alias(self, name: str) -> str | None:
        """The type an alias of another module stands for (``common.SessionDep``)."""
        return self._memoized(("type_alias", name), lambda: self._type_alias(name))

    def _type_alias(self, name: str) -> str | None:
        return self._defined(name, lambda summary, local, _: summary.aliases.get(local))

    # -- response schemas --------------------------------------------------------------

    def schema_class(self, name: str) -> SchemaClass | None:
        """The class ``name`` denotes (through re-exports), as a possible response schema."""
        return self._memoized(("schema_class", name), lambda: self._schema_class(name))

    def _schema_class(self, name: str) -> SchemaClass | None:
        canonical = self.resolve(name)
        split = self._split(canonical) if canonical else None
        if split is None or len(split[1]) != 1:
            return None
        return split[0].schemas.get(split[1][0])

    # -- ORM models --------------------------------------------------------------------

    def orm_model(self, name: str) -> ModelInfo | None:
        """The mapped class ``name`` denotes (through re-exports; a bare class name, as in
        ``relationship("Book")``, through the registry), with the targets of its
        relationships qualified where the model's module or the registry can tell."""
        return self._memoized(("orm_model", name), lambda: self._orm_model(name))

    def _orm_model(self, name: str) -> ModelInfo | None:
        canonical = self.resolve(name) if "." in name else self._registry_name(name)
        split = self._split(canonical) if canonical else None
        if split is None or len(split[1]) != 1:
            return None
        summary = split[0]
        model = summary.models.get(canonical)  # type: ignore[arg-type]
        if model is None:
            return None
        targets = [self._target(rel.target, summary) for rel in model.relationships]
        return replace(model, relationships=tuple(replace(rel, target=t) for rel, t in zip(model.relationships, targets)))

    def _target(self, target: str | None, summary: ModuleSummary) -> str | None:
        """A relationship's target, qualified: bare names through the model's module, then the registry."""
        if target is None or "." in target:
            return target
        if target in summary.imports:
            return self.resolve(summary.imports[target]) or target
        return self._registry_name(target) or target

    def has_orm_models(self) -> bool:
        """Whether any module of the project maps a class (rests on ``ORM_ANY``); a partial
        index (one file checked) cannot tell, and says it may."""
        self._note((ORM_ANY,))
        return self._loader is not None or bool(self._models_by_short_name())

    def _registry_name(self, short: str) -> str | None:
        """The one mapped class of the project named ``short`` (None when none or several)."""
        self._note((REGISTRY,))
        found = self._models_by_short_name().get(short, [])
        return found[0] if len(found) == 1 else None

    def _models_by_short_name(self) -> dict[str, list[str]]:
        """Every mapped class of the project, by class name (built once: the ORM rules ask
        on every file)."""
        if self._by_short_name is None:
            self._by_short_name = {}
            for summary in list(self.modules.values()):
                for name in summary.models:
                    self._by_short_name.setdefault(name.rpartition(".")[2], []).append(name)
        return self._by_short_name

    # -- request.state ----------------------------------------------------------------

    def state_type(self, attr: str) -> str | None:
        """The one type the project's modules store on ``<x>.state.<attr>`` (a middleware or
        dependency sets ``request.state.db = SessionLocal()``, a route of another module reads it)."""
        return self._memoized(("state_type", attr), lambda: self._state_type(attr))

    def _state_type(self, attr: str) -> str | None:
        self._note((STATE,))
        written = self._state_writes().get(attr, [])
        if len(written) != 1 or "?" in written:
            return None
        return self.resolve(written[0])

    def _state_writes(self) -> dict[str, list[str]]:
        """Each attribute some module stores on ``request.state``, with the types stored."""
        if self._state_written is None:
            found: dict[str, set[str]] = {}
            for summary in list(self.modules.values()):
                for attr, written in summary.state.items():
                    found.setdefault(attr, set()).add(written)
            self._state_written = {attr: sorted(types) for attr, types in found.items()}
        return self._state_written

    # -- roles given by other modules ------------------------------------------------

    def registered_roles(self, module: str) -> dict[str, tuple[Role, ...]]:
        """The roles other modules give to this module's functions, by local name
        (``get_user``, ``Checker.__call__``)."""
        self._note((ROLES + module,))
        return self._registrations().get(module, {})

    def _registrations(self) -> dict[str, dict[str, tuple[Role, ...]]]:
        if self._registered is None:
            self._stack.append(set())  # the pseudo-module digests stand for what this reads
            try:
                self._registered = self._collect_registrations()
            finally:
                self._registrations_read = self._stack.pop()
        return self._registered

    def _collect_registrations(self) -> dict[str, dict[str, tuple[Role, ...]]]:
        found: dict[str, dict[str, tuple[Role, ...]]] = {}
        for summary in list(self.modules.values()):  # resolving may load modules (a partial index)
            for name, roles in summary.registers.items():
                canonical = self.resolve(name)
                split = self._split(canonical) if canonical else None
                if split is None or split[0].module == summary.module or not split[1]:
                    continue
                by_local = found.setdefault(split[0].module, {})
                for local in self._registered_locals(name, ".".join(split[1]), split[0], roles):
                    merged = set(by_local.get(local, ())) | set(roles)
                    by_local[local] = tuple(sorted(merged, key=_role_order))  # independent of module order
        return found

    def _registered_locals(self, name: str, local: str, owner: ModuleSummary, roles: tuple[Role, ...]) -> list[str]:
        """The functions of ``owner`` that a registration of ``local`` gives roles to."""
        if local in owner.classes:
            if all(role.kind is RoleKind.MIDDLEWARE for role in roles):
                # ``add_middleware(mw.Timing)``: Starlette calls its ``__call__`` (pure ASGI)
                # or, through BaseHTTPMiddleware, its ``dispatch``, per request.
                methods = [f"{local}.__call__", f"{local}.dispatch"]
            elif self._instance_type(name, 0) is not None:
                methods = [f"{local}.__call__"]  # ``Depends(deps.checker)``: the instance is called
            elif all(role.kind is RoleKind.DEPENDENCY for role in roles):
                methods = [f"{local}.__init__"]  # ``Depends(deps.Checker)``: one built per request
            else:
                methods = []
            return [method for method in methods if method in owner.functions]
        return [local] if local in owner.functions else []

    def facts(self) -> ProjectFacts:
        """The project-wide answers, computed now (a complete index only)."""
        reach = self._reachability()
        return ProjectFacts(self._registrations(), frozenset(self._registrations_read), reach, self._serves,
                            self._models_by_short_name(), self._state_writes())

    def adopt_facts(self, facts: ProjectFacts) -> None:
        """Answers that a run over the same summaries (and aliases) computed: the modules
        are then read only as the checks ask about them."""
        self._registered, self._registrations_read = facts.registered, set(facts.registrations_read)
        self._reach, self._serves = facts.reach, facts.serves
        self._by_short_name, self._state_written = facts.models_by_name, facts.state_writes

    def fact_digests(self, only: Collection[str] | None = None) -> dict[str, str]:
        """Digests of the pseudo-modules (see the module docstring) for the findings cache;
        ``only``: of those alone (what one check consulted: walking the call graph is most
        of the cost, and most checks do not ask about it)."""
        modules = list(self.modules)
        if only is None:
            wanted = None
            per_module = modules
        else:
            wanted = {name for name in only if is_pseudo_module(name)}
            per_module = list(dict.fromkeys(name[len(prefix):] for name in wanted for prefix in (ROLES, REACH) if name.startswith(prefix)))
        digests: dict[str, str] = {}
        if wanted is None or wanted & {REGISTRY, ORM_ANY}:
            registry = sorted(name for summary in self.modules.values() for name in summary.models)
            digests[REGISTRY] = value_digest(registry)
            digests[ORM_ANY] = value_digest(self._loader is not None or bool(registry))
        if wanted is None or STATE in wanted:
            digests[STATE] = value_digest(sorted((module, sorted(summary.state.items())) for module, summary in self.modules.items() if summary.state))
        if wanted is None or MODULES in wanted:
            digests[MODULES] = value_digest(sorted(modules))
        # Reachability first: it also decides ``_serves``, which each module's reach digest holds.
        reach = self._reachability() if wanted is None or any(name.startswith(REACH) for name in wanted) else {}
        for module in per_module:
            if module not in self.modules:
                continue
            if wanted is None or ROLES + module in wanted:
                digests[ROLES + module] = value_digest(sorted(self._registrations().get(module, {}).items()))
            if wanted is None or REACH + module in wanted:
                digests[REACH + module] = value_digest((self._serves, sorted(reach.get(module, {}).items())))
        return digests if wanted is None else {name: digest for name, digest in digests.items() if name in wanted}

    # -- app factories -----------------------------------------------------------------

    def app_factory_calls(self, canonical: str) -> list[tuple[str, bool]]:
        """Each module that calls the app factory ``canonical`` (``create_app``), and whether
        its calls may set the docs. The answer rests on every module: any may call it."""
        self._note([MODULES, *self.modules])
        if self._app_callers is None:
            self._app_callers = {}
            for summary in list(self.modules.values()):  # resolving may load modules (a partial index)
                for callee, sets_docs in summary.app_calls.items():
                    resolved = self.resolve(callee)
                    if resolved:
                        self._app_callers.setdefault(resolved, []).append((summary.module, sets_docs))
        return self._app_callers.get(canonical, [])
    # -- served and once-only code -----------------------------------------------------

    def reach(self, module: str) -> dict[str, str]:
        """How this module's functions are reached, by local name: ``served`` (from a route,
        dependency, middleware... of any module) or ``once`` (only from lifespan, startup,
        CLI or import-time code); a function reached from neither is absent
        (``fastlint.analysis.reachability``)."""
        self._note((REACH + module,))
        return self._reachability().get(module, {})

    def unserved(self, module: str, local: str) -> bool:
        """Whether the whole project is indexed, serves something (a route, a dependency,
        middleware...), and none of what it serves reaches ``module``'s function ``local``:
        a library's public API, or the client SDK, workers and runners a framework ships
        beside its server. Never for a partial index, which cannot tell."""
        self._note((REACH + module,))
        reach = self._reachability()
        return self.complete and self._loader is None and self._serves and local not in reach.get(module, {})

    def _reachability(self) -> dict[str, dict[str, str]]:
        if self._loader is not None:
            return {}  # a partial index cannot tell that nothing serving reaches a function
        if self._reach is None:
            # Nothing is recorded meanwhile (the pseudo-module digests stand for what this
            # reads), rather than into a set thrown away: 70,000 notes on airflow.
            recording, self._stack = self._stack, []
            try:
                self._reach = self._compute_reachability()
            finally:
                self._stack = recording
        return self._reach

    def _compute_reachability(self) -> dict[str, dict[str, str]]:
        served: list[str] = []
        once: list[str] = []
        for summary in self.modules.values():
            for kind, name in summary.entries:
                found = self._function_named(name)
                if found is not None:
                    (served if kind == SERVED else once).append(found)
        for module, by_local in self._registrations().items():
            for local, roles in by_local.items():
                kinds = {SERVED if not role.once else ONCE for role in roles}
                (served if SERVED in kinds else once).append(f"{module}.{local}")
        for summary in self.modules.values():
            for local, function in summary.functions.items():
                # ``@perpetual_service(...)`` puts the function in a registry that a library
                # runs while the app serves (prefect's docket services).
                for decorator in function.decorators:
                    decorating = self.function(self.resolve(decorator) or "")
                    if decorating is not None and decorating[1].stores_argument:
                        served.append(f"{summary.module}.{local}")
                        break
        functions = [f"{summary.module}.{local}" for summary in list(self.modules.values()) for local in summary.functions]
        graph = _CallGraph(self)
        walk = Reachability(
            functions, served, once, graph.edges_of, graph.overrides, graph.methods_named, graph.served_by_name, graph.reflected
        )
        self._serves = bool(walk.served)
        result: dict[str, dict[str, str]] = {}
        for kind, names in ((SERVED, walk.served), (ONCE, walk.once)):
            for name in names:
                split = self._split(name)
                if split is not None and split[1]:
                    result.setdefault(split[0].module, {})[".".join(split[1])] = kind
        return result

    def _function_named(self, name: str) -> str | None:
        """The canonical name of the project function ``name`` denotes, or None."""
        resolved = self.resolve(name)
        found = self.function(resolved) if resolved else None
        return found[0] if found is not None else None

    # -- capacity ----------------------------------------------------------------------

    def capacity(self, kind: str) -> list[tuple[str, int]]:
        """Every ``kind`` fact of the project (``threadpool``, ``workers``), with its module.
        The answer rests on every module: any of them may set the number."""
        self._note([MODULES, *self.modules])
        return [(summary.module, value) for summary in list(self.modules.values()) for fact, value in summary.capacity if fact == kind]

    # -- blocking chains ---------------------------------------------------------------

    def left_out(self, canonical: str, call: Call) -> frozenset[str]:
        """The None-defaulted parameters of ``canonical`` that guard some of its work and that
        ``call`` leaves out (``fastlint.analysis.unset_arguments``)."""
        found = self.function(canonical)
        if found is None:
            return frozenset()
        needed = guarding_parameters(found[1].needs, found[1].passes)
        return unset_parameters(found[1].params, needed, call_arguments(call)) if needed else frozenset()

    def blocking_chain(
        self, canonical: str, enabled: frozenset[str] | None = None, process_level: bool = False, unset: frozenset[str] = frozenset()
    ) -> Chain | None:
        """The shortest chain from the sync project function ``canonical`` to a blocking
        call whose code is enabled, at most ``max_depth`` functions long. ``process_level``:
        the call passes constants or module-level values, so a memoised function it reaches
        through calls that pass them on runs once per process, and ends no chain. ``unset``:
        the parameters of ``canonical`` the call leaves out (``left_out``)."""
        key = ("chain", (canonical, enabled, process_level, unset))
        return self._memoized(key, lambda: self._shortest_chain(canonical, enabled, process_level, unset))

    def _shortest_chain(self, start: str, enabled: frozenset[str] | None, process_level: bool, unset: frozenset[str]) -> Chain | None:
        first = self.function(start)
        if first is None or first[1].is_async or first[1].offloaded:
            return None
        queue: deque[tuple[str, bool, frozenset[str], tuple[str, ...]]] = deque([(first[0], process_level, unset, (first[1].name,))])
        seen = {(first[0], process_level, unset)}
        while queue:
            name, constant, unset, path = queue.popleft()
            blocking, callees = self._links(name, constant, unset)
            for blocked, code in blocking:
                if enabled is None or code in enabled:
                    return Chain(path, blocked, code, name)
            if len(path) >= self.max_depth:
                continue
            for callee, display, passed, left_out in callees:
                if (callee, passed, left_out) not in seen:
                    seen.add((callee, passed, left_out))
                    queue.append((callee, passed, left_out, (*path, display)))
        return None

    def runs_once_when_called(self, canonical: str) -> bool:
        """Whether ``canonical`` is memoised on its arguments (``lru_cache`` with parameters):
        a call with constant or module-level arguments runs it once per process."""
        found = self.function(canonical)
        return found is not None and found[1].keyed_cache

    def _links(
        self, canonical: str, process_level: bool = False, unset: frozenset[str] = frozenset()
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str, bool, frozenset[str]]]]:
        """What a project function blocks on directly, and the sync project functions it
        calls, each with whether that call passes process-level arguments (``process_level``:
        this function's own arguments are)."""
        return self._memoized(("links", (canonical, process_level, unset)), lambda: self._compute_links(canonical, process_level, unset))

    def _compute_links(
        self, canonical: str, process_level: bool, unset: frozenset[str]
    ) -> tuple[list[tuple[str, str]], list[tuple[str, str, bool, frozenset[str]]]]:
        """``unset``: this function's parameters that the call leading here leaves out
        (``fastlint.analysis.unset_arguments``): what runs only with one of them given is
        left out, and each callee gets those of its own that this function's calls leave out."""
        found = self.function(canonical)
        if found is None:
            return [], []
        summary = found[1]
        skipped = {name for name, parameter in summary.needs if parameter in unset}
        passes = {name: (most, keywords) for name, most, keywords in summary.passes}
        blocking = [entry for entry in summary.blocking if entry[0] not in skipped]
        callees: list[tuple[str, str, bool, frozenset[str]]] = []
        for call in summary.calls:
            if call in skipped:
                continue
            resolved = self.resolve(call)
            if resolved is None or resolved in self.knowledge.offload_wrappers:
                continue
            target = self.function(resolved)
            if target is not None:
                passed = call in summary.constant_calls or (process_level and call in summary.forwarded_calls)
                if target[1].keyed_cache and passed:
                    continue  # ``get_client("default")`` memoised: once per process
                if target[1].generator and call not in summary.iterated_calls:
                    continue  # ``StreamingResponse(chunks())``: iterated elsewhere (the threadpool)
                if not (target[1].is_async or target[1].offloaded):
                    needed = guarding_parameters(target[1].needs, target[1].passes)
                    left_out = unset_parameters(target[1].params, needed, passes.get(call), unset) if needed else frozenset()
                    callees.append((target[0], target[1].name, passed, left_out))
                continue
            entry = self.knowledge.blocking_call(resolved)
            if entry is not None:
                blocking.append((resolved, entry.code))
        return blocking, callees

    def importers(self, name: str) -> list[str] | None:
        """The modules that import ``name`` (``from app.main import app``) or the module
        that defines it (``import app.main``): FL504's fix asks whether anything else can
        reach an app. Rests on every module; None for a partial index (one file named
        without a cached index), which cannot tell."""
        if self._loader is not None:
            return None
        self._note([MODULES, *self.modules])
        module, _, local = name.rpartition(".")
        spellings = [module, *(alias for alias, target in self.aliases.items() if target == module)]
        wanted = {*spellings, *(f"{spelling}.{local}" for spelling in spellings)}
        return sorted(summary.module for summary in self.modules.values() if wanted & set(summary.imports.values()) and summary.module != module)

    def module_names(self) -> list[str]:
        """Every module of the project: an answer that goes through them all rests on which
        modules exist (the pseudo-module ``MODULES``), not only on the ones it reads."""
        self._note((MODULES,))
        return sorted(self.modules)

    # -- what was consulted ------------------------------------------------------------

    @contextmanager
    def recording(self) -> Iterator[set[str]]:
        """The modules consulted inside the block: what one check's findings rest on."""
        self._stack.append(set())
        outermost = self._resolved is None
        if outermost:
            self._resolved = {}
        try:
            yield self._stack[-1]
        finally:
            self._stack.pop()
            if outermost:
                self._resolved = None

    def _note(self, modules: Iterable[str]) -> None:
        if self._stack:  # outside a recording nobody asks what an answer rests on
            self._stack[-1].update(modules)

    def _memoized(self, key: tuple[str, object], compute: Callable[[], T]) -> T:
        """Memoize, remembering the modules a result rests on so that each caller notes them."""
        if key not in self._memo:
            self._stack.append(set())
            try:
                computed = compute()
            finally:
                modules = self._stack.pop()
            self._memo[key] = (computed, frozenset(modules))
        value, consulted = self._memo[key]
        self._note(consulted)
        return value  # type: ignore[return-value]



class _CallGraph:
    """The edges ``Reachability`` walks, resolved on demand and kept by name: a class
    rather than closures, which the compiled build would tie into a reference cycle (one
    shared environment holding every nested function), and a check must leave none."""

    def __init__(self, index: ProjectIndex) -> None:
        self.index = index
        self.methods: dict[str, list[str]] = {}  # project methods by their last name
        self.subclasses: dict[str, list[str]] = {}  # project classes by base, resolved
        for summary in index.modules.values():
            for local in summary.functions:
                if "." in local:
                    self.methods.setdefault(local.rpartition(".")[2], []).append(f"{summary.module}.{local}")
            for name, bases in summary.classes.items():
                for base in bases:
                    resolved = index.resolve(base)
                    if resolved:
                        self.subclasses.setdefault(resolved, []).append(f"{summary.module}.{name}")
        # The last part of every name a call or entry point names, tests aside.
        self.called: set[str] = set()
        for summary in index.modules.values():
            in_tests = is_test(f"{summary.module}.f")  # a method's class may make it a test's too
            for local, function in summary.functions.items():
                if in_tests or ("." in local and is_test(f"{summary.module}.{local}")):
                    continue  # a test calls what the app runs by reflection
                self.called.update(call.rpartition(".")[2] for call in (*function.calls, *function.reaches, *function.spawns))
                self.called.update(function.unknown_methods)
            self.called.update(name.rpartition(".")[2] for _, name in summary.entries)
        self.edges: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}
        self.named: dict[str, str | None] = {}
        self.overridden: dict[str, list[str]] = {}
        self.by_name: dict[str, list[str] | None] = {}
        self.in_family: dict[tuple[str, str], list[str]] = {}
        self.uncalled: dict[str, list[str]] = {}
        self.reflective: dict[str, list[str]] = {}

    def methods_named(self, short: str) -> Iterable[str]:
        return self.methods.get(short, ())

    def function_named(self, call: str) -> str | None:
        # The same callees (a project helper, a library call) recur across functions.
        if call not in self.named:
            self.named[call] = self.index._function_named(call)
        return self.named[call]

    def edges_of(self, name: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        if name not in self.edges:
            found = self.index.function(name)
            if found is None:
                self.edges[name] = ((), (), ())
            else:
                summary = found[1]
                calls = (*summary.calls, *summary.reaches)
                runs = tuple(filter(None, (self.function_named(call) for call in calls)))
                spawns = tuple(filter(None, (self.function_named(call) for call in summary.spawns)))
                unknown = (*summary.unknown_methods, *filter(None, (self.project_attribute(call) for call in calls)))
                self.edges[name] = (runs, spawns, unknown)
        return self.edges[name]

    def project_attribute(self, call: str) -> str | None:
        # ``app.STORAGE.delete_profile()`` through a module-level proxy, or
        # ``self.backend.fetch()`` on an attribute of unknown type: a project object the
        # index cannot type, whose method may be any project method of that name.
        if "." not in call or self.function_named(call) is not None:
            return None
        split = self.index._split(call)
        return call.rpartition(".")[2] if split is not None and len(split[1]) > 1 else None

    def overrides(self, name: str) -> list[str]:
        # Asked for every call target of every function: answered once per name.
        if name not in self.overridden:
            self.overridden[name] = self._find_overrides(name)
        return self.overridden[name]

    def _find_overrides(self, name: str) -> list[str]:
        owner, _, method = name.rpartition(".")
        found: list[str] = []
        pending = list(self.subclasses.get(owner, ()))
        seen: set[str] = set()
        while pending:
            subclass = pending.pop()
            if subclass in seen:
                continue
            seen.add(subclass)
            pending.extend(self.subclasses.get(subclass, ()))
            if self._defines(subclass, method):
                found.append(f"{subclass}.{method}")
        return found

    def _defines(self, subclass: str, method: str) -> bool:
        # Whether the class itself defines the method: looked up in its module's
        # summary, not through ``function``, which searches every base of each subclass
        # that does not (10-25% of the facts' time on prefect, langflow, open-webui).
        # ``subclass`` is ``module.Class``; where a module or alias is named like the
        # class or the method, ``function`` decides, as it would find that module first.
        index = self.index
        name = f"{subclass}.{method}"
        if subclass in index.modules or subclass in index.aliases or name in index.modules or name in index.aliases:
            own = index.function(name)
            return own is not None and own[0] == name
        module, _, cls = subclass.rpartition(".")
        return f"{cls}.{method}" in index.modules[module].functions

    def served_by_name(self, short: str, caller: str) -> list[str]:
        # A name that many unrelated classes define (``run``, ``start``, ``wait``,
        # ``__aexit__``) says nothing about which method an object of unknown type
        # runs: on prefect, following them all made its client SDK, workers and
        # runners "served" through its server's ``process.wait()``. Overrides of one
        # base method count once. Called in a method of a class that has a method of
        # that name, it means that one and its overrides (``Service.running`` starting
        # each ``service.start()``).
        if short not in self.by_name:
            names = self.methods.get(short, [])
            overriding = {override for name in names for override in self.overrides(name)}
            unrelated = [name for name in names if name not in overriding]
            self.by_name[short] = names if len(unrelated) <= _BY_NAME_DEFINITIONS else None
        found = self.by_name[short]
        if found is not None:
            return found
        owner = caller.rpartition(".")[0]
        if (owner, short) not in self.in_family:
            own = self.index.function(f"{owner}.{short}") if self.index._is_class(owner) else None
            self.in_family[(owner, short)] = [own[0], *self.overrides(own[0])] if own is not None else []
        return self.in_family[(owner, short)]

    def reflected(self, name: str) -> list[str]:
        # An object served code builds may have methods that no call names: what runs
        # them is reflection (lnbits dispatches its WASM host API with ``getattr`` on the
        # ``ExtensionHostAPI`` a route builds), so they run while serving too.
        if name not in self.reflective:
            found = self.index.function(name)
            self.reflective[name] = []
            for call in found[1].calls if found is not None else ():
                if call not in self.uncalled:
                    cls = self.index.resolve(call)
                    self.uncalled[call] = self._uncalled_methods(cls) if cls is not None and self.index._is_class(cls) else []
                self.reflective[name] += self.uncalled[call]
        return self.reflective[name]

    def _uncalled_methods(self, cls: str) -> list[str]:
        split = self.index._split(cls)
        if split is None:
            return []
        summary, (owner,) = split
        return [
            f"{summary.module}.{local}"
            for local in summary.functions
            if local.startswith(f"{owner}.") and local.count(".") == 1 and local.rpartition(".")[2] not in self.called
        ]

def _reach_signature(summary: ModuleSummary | None) -> object:
    """What the served and once-only verdicts rest on in one module."""
    if summary is None:
        return None
    edges = {name: (f.calls, f.reaches, f.spawns, f.unknown_methods) for name, f in summary.functions.items()}
    return summary.entries, edges, summary.classes, summary.imports, summary.instances, summary.registers


def _role_order(role: Role) -> tuple[int, str]:
    return list(RoleKind).index(role.kind), role.endpoint or ""


class ConsultsOthers(BaseException):
    """A check against ``OwnIndex`` asked about another module of the project.

    A BaseException, so that no ``except Exception`` on the way turns it into a finding."""


class OwnIndex(ProjectIndex):
    """The index of one module alone, for checking a file in pass 1 while its tree is at
    hand: once ``others`` (the project's other modules) is set, a question about one of them
    (or about every module) stops the check, which pass 2 then runs against the whole index."""

    others: frozenset[str] = frozenset()
    # Whether other modules of the project likely map classes (the engine guesses from
    # their bytes); a wrong guess only sends the file to pass 2, through ``ORM_ANY``'s digest.
    orm_elsewhere: bool = False

    def has_orm_models(self) -> bool:
        self._note((ORM_ANY,))
        return self.orm_elsewhere or bool(self._models_by_short_name())

    def fact_digests(self, only: Collection[str] | None = None) -> dict[str, str]:
        digests = super().fact_digests(only)
        if only is None or ORM_ANY in only:
            digests[ORM_ANY] = value_digest(self.orm_elsewhere or bool(self._models_by_short_name()))
        return digests

    # The answers about every module are those of this one alone, whatever they look up on
    # the way: a check that consults them rests on their digests, which the whole index's
    # must match (``Speculation.holds``), so computing them never stops the check.

    def _reachability(self) -> dict[str, dict[str, str]]:
        others, self.others = self.others, frozenset()
        try:
            return super()._reachability()
        finally:
            self.others = others

    def _registrations(self) -> dict[str, dict[str, tuple[Role, ...]]]:
        others, self.others = self.others, frozenset()
        try:
            return super()._registrations()
        finally:
            self.others = others

    def _note(self, modules: Iterable[str]) -> None:
        if not self._stack:
            return
        names = tuple(modules)
        self._stack[-1].update(names)  # noted first: whatever catches the stop, the check is not used
        if self.others and any(name in self.others or name == MODULES for name in names):
            raise ConsultsOthers
