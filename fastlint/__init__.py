"""fastlint: a linter for the performance anti-patterns that hurt FastAPI services.

The names exported here are the rules' API: what a module under ``rules/`` may import
besides ``fastlint.knowledge`` and the ``rules._*`` helpers (a test holds the rules to it).
``ModuleContext`` is the heart of it: what a rule may ask about the module it checks.
Each name is imported on first use, so that the command line starts without loading the
analysis, and a run answered from the cache never loads it.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING: importing typing costs every run, the replayed answer's too (type checkers know this name).
TYPE_CHECKING = False

__version__ = "0.1.0"

_EXPORTS = {
    "Applicability": "fastlint.finding",
    "Edit": "fastlint.finding",
    "Finding": "fastlint.finding",
    "Fix": "fastlint.finding",
    "Position": "fastlint.finding",
    "Root": "fastlint.finding",
    "Invalid": "fastlint.rule",
    "Rule": "fastlint.rule",
    "Valid": "fastlint.rule",
    "BlockingCallEntry": "fastlint.settings",
    "Settings": "fastlint.settings",
    "ModuleContext": "fastlint.analysis.context",
    "DEFAULT_THREADPOOL": "fastlint.analysis.capacity",
    "Pool": "fastlint.analysis.capacity",
    "engine_pools": "fastlint.analysis.capacity",
    "FunctionNode": "fastlint.analysis.syntax",
    "all_parameters": "fastlint.analysis.syntax",
    "keyword": "fastlint.analysis.syntax",
    "local_calls": "fastlint.analysis.syntax",
    "local_nodes_of": "fastlint.analysis.syntax",
    "nodes_of": "fastlint.analysis.syntax",
    "string_value": "fastlint.analysis.syntax",
    "walk_local": "fastlint.analysis.syntax",
    "iterated_calls": "fastlint.analysis.syntax",
    "NameTable": "fastlint.analysis.names",
    "dotted_text": "fastlint.analysis.names",
    "may_resolve_to": "fastlint.analysis.names",
    "Scope": "fastlint.analysis.inference",
    "RoleKind": "fastlint.analysis.fastapi_model",
    "SchemaClass": "fastlint.analysis.schemas",
    "held_class": "fastlint.analysis.schemas",
    "schema_classes": "fastlint.analysis.schemas",
    "ModelInfo": "fastlint.analysis.orm_models",
    "RelationshipInfo": "fastlint.analysis.orm_models",
    "orm_models": "fastlint.analysis.orm_models",
    "BlockingSite": "fastlint.analysis.loop_blocking",
    "describe_call": "fastlint.analysis.loop_blocking",
    "find_blocking_calls": "fastlint.analysis.loop_blocking",
    "callee_name": "fastlint.analysis.summarizing",
    "may_set_docs": "fastlint.analysis.summarizing",
    "read_query": "fastlint.analysis.queries",
    "returned_rows": "fastlint.analysis.queries",
    "cache_key": "fastlint.analysis.once",
    "constant_arguments": "fastlint.analysis.once",
    "once_nodes": "fastlint.analysis.once",
    "off_path_nodes": "fastlint.analysis.off_path",
    "add_argument": "fastlint.fixing.arguments",
    "add_import": "fastlint.fixing.edits",
    "add_from_import": "fastlint.fixing.edits",
    "offload_to_threadpool": "fastlint.fixing.codemods",
    "called_with": "fastlint.fixing.codemods",
    "method_called": "fastlint.fixing.codemods",
    "awaited_as": "fastlint.fixing.codemods",
    "decorated": "fastlint.fixing.codemods",
    "awaited": "fastlint.fixing.codemods",
    "undecorated": "fastlint.fixing.codemods",
    "transform_statement": "fastlint.fixing.codemods",
    "rewrite_expression": "fastlint.fixing.codemods",
    "await_allowed": "fastlint.fixing.codemods",
    "needs_parentheses": "fastlint.fixing.codemods",
    "insert_before": "fastlint.fixing.edits",
    "remove_argument": "fastlint.fixing.arguments",
    "replace": "fastlint.fixing.edits",
    "unwrapped_with": "fastlint.fixing.edits",
}

__all__ = [*_EXPORTS, "__version__"]  # noqa: PLE0604 - the names of the export table

if TYPE_CHECKING:
    from fastlint.analysis.capacity import (
        DEFAULT_THREADPOOL as DEFAULT_THREADPOOL,
        Pool as Pool,
        engine_pools as engine_pools,
    )
    from fastlint.analysis.context import (
        ModuleContext as ModuleContext,
    )
    from fastlint.analysis.fastapi_model import (
        RoleKind as RoleKind,
    )
    from fastlint.analysis.inference import (
        Scope as Scope,
    )
    from fastlint.analysis.loop_blocking import (
        BlockingSite as BlockingSite,
        describe_call as describe_call,
        find_blocking_calls as find_blocking_calls,
    )
    from fastlint.analysis.names import (
        NameTable as NameTable,
        dotted_text as dotted_text,
        may_resolve_to as may_resolve_to,
    )
    from fastlint.analysis.off_path import off_path_nodes as off_path_nodes
    from fastlint.analysis.once import (
        cache_key as cache_key,
        constant_arguments as constant_arguments,
        once_nodes as once_nodes,
    )
    from fastlint.analysis.orm_models import (
        ModelInfo as ModelInfo,
        RelationshipInfo as RelationshipInfo,
        orm_models as orm_models,
    )
    from fastlint.analysis.queries import (
        read_query as read_query,
        returned_rows as returned_rows,
    )
    from fastlint.analysis.schemas import (
        SchemaClass as SchemaClass,
        held_class as held_class,
        schema_classes as schema_classes,
    )
    from fastlint.analysis.summarizing import (
        callee_name as callee_name,
        may_set_docs as may_set_docs,
    )
    from fastlint.analysis.syntax import (
        FunctionNode as FunctionNode,
        all_parameters as all_parameters,
        iterated_calls as iterated_calls,
        keyword as keyword,
        local_calls as local_calls,
        local_nodes_of as local_nodes_of,
        nodes_of as nodes_of,
        string_value as string_value,
        walk_local as walk_local,
    )
    from fastlint.finding import (
        Applicability as Applicability,
        Edit as Edit,
        Finding as Finding,
        Fix as Fix,
        Position as Position,
        Root as Root,
    )
    from fastlint.fixing.arguments import (
        add_argument as add_argument,
        remove_argument as remove_argument,
    )
    from fastlint.fixing.codemods import (
        await_allowed as await_allowed,
        awaited as awaited,
        awaited_as as awaited_as,
        called_with as called_with,
        decorated as decorated,
        method_called as method_called,
        needs_parentheses as needs_parentheses,
        offload_to_threadpool as offload_to_threadpool,
        rewrite_expression as rewrite_expression,
        transform_statement as transform_statement,
        undecorated as undecorated,
    )
    from fastlint.fixing.edits import (
        add_from_import as add_from_import,
        add_import as add_import,
        insert_before as insert_before,
        replace as replace,
        unwrapped_with as unwrapped_with,
    )
    from fastlint.rule import (
        Invalid as Invalid,
        Rule as Rule,
        Valid as Valid,
    )
    from fastlint.settings import (
        BlockingCallEntry as BlockingCallEntry,
        Settings as Settings,
    )


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'fastlint' has no attribute {name!r}")
