"""Where a fix may put an ``await`` (``await_allowed``), and the search for a node's
ancestors it rests on (``ancestors``), which skips the subtrees whose range cannot hold
the node."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastlint.fixing.codemods import ancestors, await_allowed

SOURCE = textwrap.dedent(
    '''
    @router.get(path_of(client.get("/a")))
    async def handler(a=client.get("/default"), *, b: int = limit()):
        client.get("/statement")
        value = [row for row in client.get("/first") for cell in client.get("/second")]
        message = f"{client.get('/fstring')!r:>{width(1)}} and {f'{client.get(inner_text)}'}"
        callback = lambda: client.get("/lambda")

        @retry(client.get("/nested-decorator"))
        def inner():
            return client.get("/nested")

        with client.get("/with-item") as response:
            total = (client.get("/paren")
                     .json())
        match client.get("/subject"):
            case {"k": value} if check(value):
                await client.get("/awaited")
        return {key: client.get("/dict") for key in keys}
    '''
)

# The call's first argument, and whether an ``await`` may replace the call.
PLACES = [
    ('"/a"', False),  # the handler's decorator runs at import, not in the handler
    ('"/default"', False),
    ('"/statement"', True),
    ('"/first"', True),  # a comprehension's first iterable runs in the function
    ('"/second"', False),
    ("'/fstring'", False),
    ("inner_text", False),  # in an f-string inside an f-string
    ('"/lambda"', False),
    ('"/nested-decorator"', False),
    ('"/nested"', False),
    ('"/with-item"', False),
    ('"/paren"', True),
    ('"/subject"', True),
    ('"/awaited"', False),
    ('"/dict"', False),
]


def _tree() -> ast.Module:
    return ast.parse(SOURCE)


def _call(tree: ast.Module, argument: str) -> ast.Call:
    return next(
        node for node in ast.walk(tree)
        if isinstance(node, ast.Call) and node.args and ast.get_source_segment(SOURCE, node.args[0]) == argument
    )


@pytest.mark.parametrize(("argument", "allowed"), PLACES)
def test_an_await_goes_only_where_it_runs_in_the_function_itself(argument: str, allowed: bool):
    tree = _tree()
    handler = next(node for node in tree.body if isinstance(node, ast.AsyncFunctionDef))
    call = _call(tree, argument)
    parent = await_allowed(handler, call)
    assert (parent is not None) is allowed
    if allowed:
        assert call in ast.iter_child_nodes(parent) or any(call is item for item in getattr(parent, "args", []))


def test_a_node_outside_the_function_has_no_place_in_it():
    tree = ast.parse("async def h():\n    pass\n\nclient.get(1)\n")
    handler, statement = tree.body
    assert await_allowed(handler, statement.value) is None
    assert ancestors(handler, statement.value) is None


def _reference_path(root: ast.AST, node: ast.AST) -> list[ast.AST] | None:
    parents = {id(child): parent for parent in ast.walk(root) for child in ast.iter_child_nodes(parent)}
    if id(node) not in parents:
        return None
    path = [parents[id(node)]]
    while path[-1] is not root:
        path.append(parents[id(path[-1])])
    return path[::-1]


def test_the_ancestors_of_every_node_are_those_of_a_full_walk():
    """Decorators above their ``def``, f-strings, nodes without a range (arguments,
    comprehensions, ``with`` items, match cases): the search skips no subtree that holds
    the node."""
    tree = _tree()
    nodes = [node for node in ast.walk(tree) if node is not tree and not isinstance(node, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop))]
    assert len(nodes) > 120
    for node in nodes:
        assert ancestors(tree, node) == _reference_path(tree, node), ast.dump(node)[:60]


def test_a_node_whose_range_lies_is_still_found():
    """A range that does not hold the node (from a tool that rewrote the tree) costs the
    search its shortcut, not the answer."""
    tree = ast.parse("async def h():\n    if x:\n        client.get(1)\n")
    handler = tree.body[0]
    branch = handler.body[0]
    call = branch.body[0].value
    branch.lineno = branch.end_lineno = 9  # moved below the call
    assert ancestors(handler, call) == [handler, branch, branch.body[0]]
    assert await_allowed(handler, call) is branch.body[0]
