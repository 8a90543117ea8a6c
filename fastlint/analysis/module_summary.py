"""Pass 1's record of one module: the small facts about it that other modules need, as
plain data (``analysis/summarizing.py`` builds it).

A summary is picklable and cacheable by the file's content hash. What the module cannot
know alone (the type a function of another module returns, say) is written down
symbolically and resolved later by the project index: ``app.clients.make()`` stands for
"what calling ``app.clients.make`` returns", so ``app.clients.make().get`` is the
``get`` method of that result.

The classes stay Python classes in the compiled build: the cache's codec reads their
field annotations, which mypyc replaces by runtime classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from fastlint.analysis.fastapi_model import Role
from fastlint.analysis.orm_models import ModelInfo
from fastlint.analysis.schemas import SchemaClass

# An instance derived from another module's (see ``ProjectIndex._module_instance``).
DERIVED, PATH = "@", "pathlib.Path"


@dataclass(frozen=True)
class FunctionSummary:
    """One module-level function or method: what it blocks on directly, what it calls."""

    name: str  # as messages show it: ``fetch`` or ``GeoClient.lookup``
    is_async: bool
    blocking: tuple[tuple[str, str], ...] = ()  # (qualified name, rule code), in source order
    calls: tuple[str, ...] = ()  # qualified or symbolic names of possible project callees
    returns: str | None = None
    offloaded: bool = False  # decorated with an offload wrapper: calling it does not block
    # Memoised on its arguments (``lru_cache`` with parameters): a call with constant or
    # module-level arguments runs it once per process (see ``fastlint.analysis.once``).
    keyed_cache: bool = False
    constant_calls: tuple[str, ...] = ()  # callees of ``calls`` that every call passes such arguments
    # Callees of ``calls`` (not in ``constant_calls``) that every call passes such arguments or
    # this function's own parameters unchanged: process-level when its caller's arguments are.
    forwarded_calls: tuple[str, ...] = ()
    # A sync generator runs its body where its result is iterated, not where it is called:
    # a chain goes on into it only from the callers that iterate the call on the spot.
    generator: bool = False
    iterated_calls: tuple[str, ...] = ()  # callees of ``calls`` whose result this body iterates
    # HTTP clients (FL201) it creates and closes on every call (``async with aiohttp.ClientSession()``).
    clients: tuple[str, ...] = ()
    queries: bool = False  # runs a read query itself (``fastlint.analysis.queries``; FL404 through the index)
    # The ORM class whose rows it returns (as this module names it) and whether it sets loader
    # options (``fastlint.analysis.queries.returned_rows``; FL401 where a caller iterates them).
    rows: tuple[str, bool] | None = None
    # What else it may run, for ``fastlint.analysis.reachability``: names the nested functions
    # it calls call; names it passes on (by reference, as tasks, in callbacks); methods called
    # on objects of unknown type.
    reaches: tuple[str, ...] = ()
    spawns: tuple[str, ...] = ()
    unknown_methods: tuple[str, ...] = ()
    # Arguments (``fastlint.analysis.unset_arguments``): the parameters a caller fills by
    # position; (call or blocking name, parameter) where every such call runs only when that
    # parameter, None by default, is given; and per callee the most positional arguments
    # any call passes and the keywords (``**``: any) calls pass.
    params: tuple[str, ...] = ()
    needs: tuple[tuple[str, str], ...] = ()
    passes: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    # Its decorators that may be project functions, and, as a decorator, whether it (or the
    # decorator it returns) puts the function it is given into a module-level registry
    # (``fastlint.analysis.reachability.stores_argument``).
    decorators: tuple[str, ...] = ()
    stores_argument: bool = False


@dataclass(frozen=True)
class ModuleSummary:
    module: str
    is_package: bool
    imports: dict[str, str] = field(default_factory=dict)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)  # "fetch", "GeoClient.lookup"
    classes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # class name -> qualified bases
    instances: dict[str, str] = field(default_factory=dict)  # module-level name -> its type
    models: dict[str, ModelInfo] = field(default_factory=dict)  # qualified class name -> ORM model
    # Functions of other modules that this module registers (``Depends(deps.get_user)``,
    # ``lifespan=lifespan`` imported): the name as this module qualifies it -> roles.
    registers: dict[str, tuple[Role, ...]] = field(default_factory=dict)
    schemas: dict[str, SchemaClass] = field(default_factory=dict)  # class name -> bases and fields
    # ``SessionDep = Annotated[Session, Depends(get_session)]``: alias name -> the type it stands for
    aliases: dict[str, str] = field(default_factory=dict)
    # ``("threadpool", 15)``, ``("workers", 4)``: see ``fastlint.analysis.capacity``.
    capacity: tuple[tuple[str, int], ...] = ()
    # ``request.state.db = SessionLocal()``: attribute -> the type stored (``?``: unknown or several)
    state: dict[str, str] = field(default_factory=dict)
    # Calls of app factories (callees named ``*app*``: ``create_app(debug=True)``): callee ->
    # whether some call may set the docs (``openapi_url=``, ``docs_url=``, ``redoc_url=``, ``**``).
    app_calls: dict[str, bool] = field(default_factory=dict)
    # (``served`` | ``once``, name): entry points (``fastlint.analysis.reachability``)
    entries: tuple[tuple[str, str], ...] = ()
    # The imported names that ``imports`` does not map: what an import inside a function
    # binds where the name is bound otherwise elsewhere, and the whole name of each
    # ``import a.b.c`` (``imports`` maps ``a``). With ``imports``, every name it imports.
    other_imports: tuple[str, ...] = ()


_FUNCTION_FIELDS = tuple(item.name for item in fields(FunctionSummary))


def function_summary(**values: object) -> FunctionSummary:
    """``FunctionSummary(**values)`` given every field, without the frozen dataclass's
    ``__init__``, which sets each field through ``object.__setattr__`` (3% of pass 1).
    The fields go in in their declared order, as ``__init__`` puts them (pickles, and so
    digests, follow it)."""
    summary = object.__new__(FunctionSummary)
    summary.__dict__.update({name: values[name] for name in _FUNCTION_FIELDS})
    return summary


