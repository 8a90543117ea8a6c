"""Typed plain data to JSON and back, validated against the type annotations.

The cache holds only what this module writes: strings, numbers, booleans, null, lists
and objects. Reading it back runs no code from the file (unlike ``pickle``) and checks
every value against the annotation of the field it fills, so a damaged or planted file
raises :class:`InvalidData` instead of producing objects the rules would trip over.

Supported annotations: ``str``, ``int``, ``bool``, ``None``, ``X | None`` (and unions of
supported types), ``tuple[X, ...]``, ``tuple[X, Y]``, ``list[X]``, ``dict[str, X]``,
``frozenset[X]``, ``str`` enums and dataclasses (written as the list of their fields, in
order, which keeps the files small).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable
from typing import Any

Decoder = Callable[[Any], Any]


class InvalidData(ValueError):
    """The data does not have the shape its type requires."""


def encode(value: object) -> object:
    """``value`` as JSON-ready plain data (dataclasses become lists of their fields)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [encode(getattr(value, item.name)) for item in dataclasses.fields(value)]
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value) if isinstance(value, (frozenset, set)) else value
        return [encode(item) for item in items]
    if isinstance(value, dict):
        return {_key(key): encode(item) for key, item in value.items()}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _key(key: object) -> str:
    if not isinstance(key, str):
        raise TypeError(f"cannot encode a {type(key).__name__} key")
    return key


def decode(kind: object, data: object) -> Any:
    """``data`` (from :func:`encode`, through JSON) as a value of type ``kind``; raises
    :class:`InvalidData` when it does not fit."""
    try:
        return decoder(kind)(data)
    except InvalidData:
        raise
    except (TypeError, ValueError, KeyError, IndexError, RecursionError) as error:
        raise InvalidData(str(error)) from None


_NONE = type(None)


@functools.cache
def _leaf_types(kind: object) -> frozenset[type] | None:
    """The exact JSON types a primitive ``kind`` admits (``str | None``: str and NoneType);
    None for any other kind. Containers of primitives are checked in bulk, in C."""
    if kind is None or kind is _NONE:
        return frozenset({_NONE})
    if kind in (str, bool, int):
        return frozenset({kind})
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        found: set[type] = set()
        for arg in typing.get_args(kind):
            leaf = _leaf_types(arg)
            if leaf is None:
                return None
            found |= leaf
        return frozenset(found)
    return None


def _check_leaves(values: Any, allowed: frozenset[type]) -> None:
    if not allowed.issuperset(map(type, values)):
        raise InvalidData(f"expected only {', '.join(sorted(kind.__name__ for kind in allowed))}")


@functools.cache
def decoder(kind: object) -> Decoder:
    leaf = _leaf_types(kind)
    if leaf is not None and len(leaf) > 1:
        def one_of(data: Any) -> Any:
            if type(data) not in leaf:
                raise InvalidData(f"unexpected {type(data).__name__}")
            return data

        return one_of
    if kind is type(None) or kind is None:
        return _exact(type(None))
    if kind in (str, bool, int):
        return _exact(kind)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind  # the constructor raises ValueError for an unknown value
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _union(tuple(decoder(arg) for arg in args))
    homogeneous = origin in (list, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)
    leaves = _leaf_types(args[0]) if homogeneous else None
    if leaves is not None:
        build: Callable[[list[Any]], Any] = origin  # type: ignore[assignment]
        allowed = leaves

        def primitives(data: Any) -> Any:
            _check_leaves(_list(data), allowed)
            return build(data)

        return primitives
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        namespace: dict[str, Any] = {}
        items = [_inline(arg, f"v{number}", namespace, f"{number}") for number, arg in enumerate(args)]
        unpack = f"    {''.join(f'v{number}, ' for number in range(len(args)))}= values\n" if args else ""
        return _generated(
            namespace,
            f"    if len(values) != {len(args)}:\n"
            f"        raise InvalidData(f'expected {len(args)} items, got {{len(values)}}')\n"
            f"{unpack}    return ({''.join(f'{item}, ' for item in items)})\n",
        )
    if origin in (tuple, list, frozenset):
        namespace = {"build": origin}
        item = _inline(args[0], "value", namespace, "")
        return _generated(namespace, f"    return build([{item} for value in values])\n")
    if origin is dict and args[0] is str:
        leaves = _leaf_types(args[1])
        if leaves is not None:

            def primitive_mapping(data: Any) -> dict[str, Any]:
                if type(data) is not dict:
                    raise InvalidData(f"expected an object, got {type(data).__name__}")
                _check_leaves(data.values(), leaves)
                return data

            return primitive_mapping
        namespace = {}
        item = _inline(args[1], "value", namespace, "")
        return _generated(
            namespace,
            f"    return {{key: {item} for key, value in values.items()}}\n",
            "    if type(data) is not dict:\n        raise InvalidData(f'expected an object, got {type(data).__name__}')\n    values = data\n",
        )
    raise TypeError(f"no decoder for {kind!r}")


def _exact(kind: type) -> Decoder:
    def check(data: Any) -> Any:
        if type(data) is not kind:
            raise InvalidData(f"expected {kind.__name__}, got {type(data).__name__}")
        return data

    return check


def _list(data: Any) -> list[Any]:
    if type(data) is not list:
        raise InvalidData(f"expected a list, got {type(data).__name__}")
    return data


def _union(options: tuple[Decoder, ...]) -> Decoder:
    def first(data: Any) -> Any:
        for option in options:
            try:
                return option(data)
            except (InvalidData, TypeError, ValueError):
                continue
        raise InvalidData(f"no alternative fits {type(data).__name__}")

    return first


def _dataclass(kind: type) -> Decoder:
    """The decoder of ``kind``'s field list."""
    hints = typing.get_type_hints(kind)
    fields = [item for item in dataclasses.fields(kind) if item.init]
    namespace: dict[str, Any] = {"kind": kind}
    values = [_inline(hints[item.name], f"v{number}", namespace, f"{number}") for number, item in enumerate(fields)]
    unpack = f"    {''.join(f'v{number}, ' for number in range(len(fields)))}= values\n" if fields else ""
    return _generated(
        namespace,
        f"    if len(values) != {len(fields)}:\n"
        f"        raise InvalidData(f'{kind.__name__}: expected {len(fields)} fields, got {{len(values)}}')\n"
        f"{unpack}    return kind({''.join(f'{value}, ' for value in values)})\n",
    )


# Decoders of dataclasses and containers are generated as one function each (as
# ``dataclasses`` generates ``__init__``), with the checks of primitive values, and of lists
# of them, written inline instead of one decoder call per value: loading the summaries after
# an edit spent a third of its time in those calls. Only the annotations shape the code.


def _inline(kind: object, value: str, namespace: dict[str, Any], tag: str) -> str:
    """An expression that checks and decodes the variable ``value`` as ``kind``, with
    the names it uses added to ``namespace`` (suffixed with ``tag``)."""
    leaves = _leaf_types(kind)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    homogeneous = origin in (list, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis)
    items = _leaf_types(args[0]) if homogeneous else None
    if leaves is not None:
        namespace[f"t{tag}"] = next(iter(leaves)) if len(leaves) == 1 else leaves
        test = f"type({value}) is t{tag}" if len(leaves) == 1 else f"type({value}) in t{tag}"
        return f"({value} if {test} else _invalid({value}))"
    if items is not None:
        namespace[f"b{tag}"], namespace[f"t{tag}"] = origin, items
        return f"(b{tag}({value}) if type({value}) is list and t{tag}.issuperset(map(type, {value})) else _invalid({value}))"
    namespace[f"d{tag}"] = decoder(kind)
    return f"d{tag}({value})"


def _generated(namespace: dict[str, Any], body: str, start: str = "    values = _list(data)\n") -> Decoder:
    namespace.update({"_list": _list, "_invalid": _invalid, "InvalidData": InvalidData})
    exec(f"def decode(data):\n{start}{body}", namespace)  # code built from our own annotations, never from data
    generated: Decoder = namespace["decode"]
    return generated


def _invalid(value: object) -> Any:
    raise InvalidData(f"unexpected {type(value).__name__}")
