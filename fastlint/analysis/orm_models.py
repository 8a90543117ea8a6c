"""ORM models and their relationships' loading strategies, read from source in pass 1.

``orm_models`` reads the mapped classes of one module (declarative ``Base`` subclasses,
``DeclarativeBase``, ``SQLModel, table=True``) into plain, picklable data that the project
index can carry. What queries eager-load is followed by the rules (``rules/_orm_queries.py``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fastlint.analysis.names import NameTable, dotted_text
from fastlint.analysis.syntax import keyword, string_value
from fastlint.knowledge.orm import (
    DECLARATIVE_BASES,
    DECLARATIVE_FACTORIES,
    N_PLUS_ONE_STRATEGIES,
    RELATIONSHIP_FACTORIES,
    SQLMODEL_BASE,
)

_COLLECTIONS = {"list", "List", "set", "Set", "tuple", "Sequence", "frozenset"}
_SPECIAL_MAPPED = {"WriteOnlyMapped": "write_only", "DynamicMapped": "dynamic"}


@dataclass(frozen=True)
class RelationshipInfo:
    """One ``relationship()``: its target class (qualified, or bare when only a string
    names it) and its loading strategy (``"select"``, ``"selectin"``..., None when not
    literal)."""

    name: str
    target: str | None
    lazy: str | None
    collection: bool | None = None  # a list of objects (one-to-many); None when unknown

    @property
    def n_plus_one(self) -> bool:
        return self.lazy in N_PLUS_ONE_STRATEGIES


@dataclass(frozen=True)
class ModelInfo:
    name: str  # qualified
    relationships: tuple[RelationshipInfo, ...] = ()

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]

    def relationship(self, attr: str) -> RelationshipInfo | None:
        return next((rel for rel in self.relationships if rel.name == attr), None)


# -- models --------------------------------------------------------------------------


def orm_models(tree: ast.Module, names: NameTable) -> dict[str, ModelInfo]:
    """The mapped classes defined at the top level of one module, by qualified name."""
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    bases: set[str] = {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
        and names.qualified_name(node.value.func) in DECLARATIVE_FACTORIES
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    mapped: set[str] = set()
    models: dict[str, ModelInfo] = {}
    for class_def in classes:  # bases come before their subclasses in a module
        kind = _class_kind(class_def, names, bases, mapped)
        if kind == "base":
            bases.add(class_def.name)
        elif kind == "model":
            mapped.add(class_def.name)
            qualified = f"{names.module}.{class_def.name}"
            models[qualified] = ModelInfo(qualified, tuple(_relationships(class_def, names)))
    return models


def _class_kind(class_def: ast.ClassDef, names: NameTable, bases: set[str], mapped: set[str]) -> str | None:
    for base in class_def.bases:
        qualified = names.qualified_name(base)
        if qualified in DECLARATIVE_BASES:
            return "base"
        if isinstance(base, ast.Name) and (base.id in bases or base.id in mapped):
            return "model"
        if qualified == SQLMODEL_BASE and _constant(_class_keyword(class_def, "table")) is True:
            return "model"
    # A base imported from another module: the class still says it is mapped.
    if any(_relationship_call(value, names) for _, _, value in _class_fields(class_def)):
        return "model"
    if any(isinstance(item, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in item.targets) for item in class_def.body):
        return "model"
    return None


def _class_keyword(class_def: ast.ClassDef, name: str) -> ast.expr | None:
    return next((item.value for item in class_def.keywords if item.arg == name), None)


def _class_fields(class_def: ast.ClassDef) -> list[tuple[str, ast.expr | None, ast.expr | None]]:
    """``name: annotation = value`` and ``name = value`` statements of a class body."""
    fields: list[tuple[str, ast.expr | None, ast.expr | None]] = []
    for item in class_def.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            fields.append((item.target.id, item.annotation, item.value))
        elif isinstance(item, ast.Assign) and len(item.targets) == 1 and isinstance(item.targets[0], ast.Name):
            fields.append((item.targets[0].id, None, item.value))
    return fields


def _relationship_call(value: ast.expr | None, names: NameTable) -> ast.Call | None:
    if isinstance(value, ast.Call) and names.qualified_name(value.func) in RELATIONSHIP_FACTORIES:
        return value
    return None


def _relationships(class_def: ast.ClassDef, names: NameTable) -> list[RelationshipInfo]:
    found = []
    for name, annotation, value in _class_fields(class_def):
        call = _relationship_call(value, names)
        special = _special_mapped(annotation, names)
        if call is None and special is None:
            continue
        target = _annotation_target(annotation, names) if annotation is not None else None
        lazy: str | None = special or "select"
        if call is not None:
            inner = _relationship_call(keyword(call, "sa_relationship"), names)
            source = inner or call
            if target is None and source.args:
                target = _target_name(source.args[0], names)
            options = keyword(call, "sa_relationship_kwargs")
            strategy = keyword(source, "lazy")
            if strategy is None and isinstance(options, ast.Dict):
                strategy = next((v for k, v in zip(options.keys, options.values) if string_value(k) == "lazy"), None)
            elif strategy is None and options is not None:
                strategy = options  # not a literal dict: unknown
            if strategy is not None:
                lazy = _strategy(strategy)
        uselist = _constant(keyword(call, "uselist")) if call is not None else ...
        collection = uselist if isinstance(uselist, bool) else _is_collection(annotation, names)
        found.append(RelationshipInfo(name, target, lazy, collection))
    return found


def _strategy(node: ast.expr) -> str | None:
    value = _constant(node)
    if isinstance(value, str):
        return value
    return {True: "select", False: "joined", None: "noload"}.get(value) if isinstance(node, ast.Constant) else None  # type: ignore[call-overload]


def _constant(node: ast.expr | None) -> object:
    return node.value if isinstance(node, ast.Constant) else ...


def _special_mapped(annotation: ast.expr | None, names: NameTable) -> str | None:
    if isinstance(annotation, ast.Subscript):
        qualified = names.qualified_name(annotation.value) or ""
        return _SPECIAL_MAPPED.get(qualified.rpartition(".")[2]) if qualified.startswith("sqlalchemy.") else None
    return None


def _is_collection(annotation: ast.expr | None, names: NameTable) -> bool | None:
    """``Mapped[list[X]]``, ``list["X"]``: True; ``Mapped[X]``: False; no annotation: None."""
    if annotation is None:
        return None
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            return _is_collection(ast.parse(annotation.value, mode="eval").body, names)
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):
        outer = (names.qualified_name(annotation.value) or dotted_text(annotation.value) or "").rpartition(".")[2]
        if outer in _COLLECTIONS:
            return True
        if outer in ("Mapped", "Optional", *_SPECIAL_MAPPED):
            return outer in _SPECIAL_MAPPED or bool(_is_collection(annotation.slice, names))
    return False


def _annotation_target(node: ast.expr, names: NameTable) -> str | None:
    """``Mapped[list["Book"]]``, ``Optional[Author]``, ``list["Hero"]`` -> the class."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _annotation_target(ast.parse(node.value, mode="eval").body, names)
        except SyntaxError:
            return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [side for side in (node.left, node.right) if not (isinstance(side, ast.Constant) and side.value is None)]
        return _annotation_target(sides[0], names) if len(sides) == 1 else None
    if isinstance(node, ast.Subscript):
        inner = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
        return _annotation_target(inner, names)
    return _target_name(node, names)


def _target_name(node: ast.expr, names: NameTable) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
        return (names.resolve_name(text) or text) if text.isidentifier() else text
    qualified = names.qualified_name(node)
    if qualified is None and isinstance(node, ast.Name):
        return node.id  # a class of the registry defined elsewhere
    return qualified if qualified and not qualified.startswith("builtins.") else None
