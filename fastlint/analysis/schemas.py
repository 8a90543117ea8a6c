"""Response schemas: the Pydantic classes FL403 follows, as facts a module can give another.

A handler's ``response_model`` usually lives in ``schemas.py`` and its nested models in
more modules still, so each class is reduced in pass 1 to its bases and the class each
annotated field holds, and resolved through the project index like any other name.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from fastlint.analysis.names import NameTable
from fastlint.analysis.syntax import module_statements

# Containers a response field or ``response_model`` wraps its model in: the model is inside.
_WRAPPERS = frozenset({"list", "List", "Sequence", "set", "Set", "tuple", "Tuple", "Optional", "Iterable", "Annotated"})


@dataclass(frozen=True)
class SchemaClass:
    name: str  # qualified
    bases: tuple[str, ...]  # qualified
    fields: tuple[tuple[str, str | None], ...]  # (field, qualified name of the class it holds)
    table: bool = False  # ``SQLModel, table=True``: the ORM model itself, not a schema

    @property
    def short_name(self) -> str:
        return self.name.rpartition(".")[2]


def schema_classes(tree: ast.Module, names: NameTable) -> dict[str, SchemaClass]:
    """Every module-level class with bases, by local name."""
    return {
        node.name: schema_class(node, names)
        for node in module_statements(tree)
        if isinstance(node, ast.ClassDef) and node.bases
    }


def schema_class(node: ast.ClassDef, names: NameTable) -> SchemaClass:
    fields = tuple(
        (item.target.id, held_class(item.annotation, names))
        for item in node.body
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
    )
    return SchemaClass(
        f"{names.module}.{node.name}",
        tuple(filter(None, (names.qualified_name(base) for base in node.bases))),
        fields,
        table=any(k.arg == "table" for k in node.keywords),
    )


def held_class(annotation: ast.expr | None, names: NameTable) -> str | None:
    """The qualified name of the class an annotation holds, through ``list[...]``,
    ``Optional[...]``, ``X | None`` and string annotations; None for anything else."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return None
    if isinstance(annotation, ast.Subscript):
        outer = (names.qualified_name(annotation.value) or "").rpartition(".")[2]
        inner = annotation.slice.elts[0] if isinstance(annotation.slice, ast.Tuple) and annotation.slice.elts else annotation.slice
        return held_class(inner, names) if outer in _WRAPPERS else None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [s for s in (annotation.left, annotation.right) if not (isinstance(s, ast.Constant) and s.value is None)]
        return held_class(sides[0], names) if len(sides) == 1 else None
    if isinstance(annotation, (ast.Name, ast.Attribute)):
        qualified = names.qualified_name(annotation)
        return None if qualified is None or qualified.startswith("builtins.") else qualified
    return None
