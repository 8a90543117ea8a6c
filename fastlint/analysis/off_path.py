"""The code of a function that a served request's run of it does not reach.

Three syntactic facts about one function (each module says how it is recognised): the
body of a lazy initialisation runs once per process (``fastlint.analysis.once``), the
sync branch of a dual-mode function runs only without an event loop
(``fastlint.analysis.loop_free``), and a capture behind a debug or dump switch runs only
while debugging (``fastlint.analysis.debug_only``). Blocking calls there are not reported,
and chains do not go through them.
"""

from __future__ import annotations

from ast import ClassDef

from fastlint.analysis.debug_only import debug_only_nodes
from fastlint.analysis.loop_free import loop_free_nodes
from fastlint.analysis.once import once_nodes, singleton_class
from fastlint.analysis.syntax import FunctionNode


def off_path_nodes(function: FunctionNode, owner: ClassDef | None = None) -> frozenset[int]:
    """The ids of the nodes of ``function`` (a method of ``owner``, if given) that run once
    per process, only without a running event loop, or only with a debug switch on.

    Kept on the node, by whether ``owner`` is a singleton (all ``once_nodes`` depends on):
    the summary asks twice per function and the rules again."""
    cache: dict[bool, frozenset[int]] | None = function.__dict__.get("_fastlint_off_path")
    if cache is None:
        cache = function._fastlint_off_path = {}  # type: ignore[union-attr]
    shared_self = singleton_class(owner)
    found = cache.get(shared_self)
    if found is None:
        found = cache[shared_self] = once_nodes(function, owner) | loop_free_nodes(function) | debug_only_nodes(function)
    return found
