"""Adding and removing call arguments as libcst transforms, keeping the call's layout.

A call written one argument per line gets a new argument on a line of its own, indented
as the others, with a trailing comma when the call had one; a call on one line gets
``, name=value`` after its last argument. A removed argument takes its own comments along
(``debug=True,  # remove before release``); comment lines between arguments stay.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fastlint.finding import Edit
from fastlint.fixing.codemods import are_arguments, parse_arguments, transform_expression

if TYPE_CHECKING:
    import libcst as cst

    from fastlint.analysis.context import ModuleContext

    Whitespace = cst.BaseParenthesizableWhitespace


def _arguments(call: ast.Call) -> list[ast.AST]:
    """Positional and keyword arguments in source order (they may interleave)."""
    return sorted([*call.args, *call.keywords], key=lambda node: (node.lineno, node.col_offset))  # type: ignore[attr-defined]


def add_argument(ctx: ModuleContext, call: ast.Call, argument: str) -> Edit | None:
    """Append ``argument`` (``timeout=10``, or several: ``options=[...], populate_existing=True``)
    after the call's last argument, keeping the call's layout. None for a bare generator
    argument, which takes no company, or text that is not arguments."""
    if not are_arguments(argument) or _bare_generator(call):
        return None

    def change(node: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        new = parse_arguments(argument)
        return with_arguments(node, new) if new and isinstance(node, cst.Call) else None

    return transform_expression(ctx, call, change)


def _bare_generator(call: ast.Call) -> bool:
    """``f(x for x in y)``: the call's only argument is a generator expression without
    parentheses of its own (it ends where the call does; ``f((x for x in y))`` ends before)."""
    if len(call.args) != 1 or call.keywords or not isinstance(call.args[0], ast.GeneratorExp):
        return False
    generator = call.args[0]
    return (generator.end_lineno, generator.end_col_offset) == (call.end_lineno, call.end_col_offset)


def remove_argument(ctx: ModuleContext, call: ast.Call, argument: ast.keyword) -> Edit | None:
    """Remove one argument with its comma and its own comments; None when a comment line
    next to it would be lost. ``without_argument`` declines only next to comment or blank
    lines, which libcst's tree shows: where the call's text may hold either, the edit is
    built even when fixes are only counted."""

    def change(node: cst.BaseExpression) -> cst.BaseExpression | None:
        import libcst as cst

        return without_argument(node, index) if isinstance(node, cst.Call) else None

    index = _arguments(call).index(argument)
    text = ctx.text_of(call)
    layout = "#" in text or any(not line.strip() for line in text.splitlines()[1:])
    return transform_expression(ctx, call, change, layout_decides=layout)


def _comments(whitespace: Whitespace | cst.MaybeSentinel) -> bool:
    import libcst as cst

    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return False
    return whitespace.first_line.comment is not None or any(line.comment is not None for line in whitespace.empty_lines)


def _closing(arg: cst.Arg) -> Whitespace:
    """The whitespace between ``arg``, the last argument, and the closing parenthesis."""
    import libcst as cst

    return arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg


def _leading(call: cst.Call, index: int) -> Whitespace:
    """The whitespace before the argument at ``index``."""
    import libcst as cst

    if index == 0:
        return call.whitespace_before_args
    comma = call.args[index - 1].comma
    return comma.whitespace_after if isinstance(comma, cst.Comma) else cst.SimpleWhitespace("")


def _without_comment(whitespace: Whitespace) -> Whitespace:
    import libcst as cst

    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(first_line=cst.TrailingWhitespace())
    return whitespace


def with_arguments(call: cst.Call, new: Sequence[cst.Arg]) -> cst.Call | None:
    """``call`` with ``new`` appended; None after a bare generator argument, which takes
    no company (``f(x for x in y, a=1)`` is a syntax error)."""
    import libcst as cst

    args = list(call.args)
    if any(isinstance(arg.value, cst.GeneratorExp) and not arg.value.lpar for arg in args):
        return None
    new = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")) for arg in new]
    if not args:
        spaced = [arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for arg in new[:-1]]
        return call.with_changes(args=[*spaced, new[-1]])
    last = args[-1]
    trailing_comma = isinstance(last.comma, cst.Comma)
    comma_before = last.comma.whitespace_before if isinstance(last.comma, cst.Comma) else cst.SimpleWhitespace("")
    closing = _closing(last)
    lead = _leading(call, len(args) - 1)
    line: Whitespace
    after_last: Whitespace
    final: Whitespace
    if isinstance(lead, cst.ParenthesizedWhitespace) and isinstance(closing, cst.ParenthesizedWhitespace):
        # One argument per line: each new one on a line of its own, indented as the last.
        line = cst.ParenthesizedWhitespace(indent=lead.indent, last_line=lead.last_line)
        after_last = line.with_changes(first_line=closing.first_line)  # the last argument keeps its comment
        final = closing.with_changes(first_line=cst.TrailingWhitespace())
    else:
        line = after_last = cst.SimpleWhitespace(" ")
        final = closing
    last = last.with_changes(
        comma=cst.Comma(whitespace_before=comma_before, whitespace_after=after_last),
        whitespace_after_arg=last.whitespace_after_arg if trailing_comma else cst.SimpleWhitespace(""),
    )
    added = [arg.with_changes(comma=cst.Comma(whitespace_after=line)) for arg in new[:-1]]
    if trailing_comma:
        added.append(new[-1].with_changes(comma=cst.Comma(whitespace_after=final)))
    else:
        added.append(new[-1].with_changes(whitespace_after_arg=final))
    return call.with_changes(args=[*args[:-1], last, *added])


def without_argument(call: cst.Call, index: int) -> cst.Call | None:
    """``call`` without the argument at ``index``; None where a comment line next to it
    would be lost or end up where it breaks the code."""
    import libcst as cst

    args = list(call.args)
    removed = args[index]
    after = removed.comma.whitespace_after if isinstance(removed.comma, cst.Comma) else cst.SimpleWhitespace("")
    kept_lines = list(after.empty_lines) if isinstance(after, cst.ParenthesizedWhitespace) else []
    if len(args) == 1:
        if _comments(call.whitespace_before_args) or any(line.comment for line in kept_lines):
            return None
        return call.with_changes(args=[], whitespace_before_args=cst.SimpleWhitespace(""))
    lead = _leading(call, index)
    if index < len(args) - 1:
        # The whitespace that led to the removed argument now leads to the next one; the
        # comment lines that stood above the next argument stay there.
        if kept_lines:
            if not isinstance(lead, cst.ParenthesizedWhitespace):
                return None
            moved = lead.with_changes(empty_lines=[*lead.empty_lines, *kept_lines])
            if index == 0:
                call = call.with_changes(whitespace_before_args=moved)
            else:
                previous = args[index - 1]
                args[index - 1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=moved))  # type: ignore[union-attr]
        return call.with_changes(args=[*args[:index], *args[index + 1 :]])
    # The last argument: the one before it closes the list.
    previous = args[index - 1]
    closing = _without_comment(_closing(removed))
    if isinstance(lead, cst.ParenthesizedWhitespace):
        if isinstance(closing, cst.ParenthesizedWhitespace):
            closing = closing.with_changes(first_line=lead.first_line, empty_lines=[*lead.empty_lines, *closing.empty_lines])
        elif _comments(lead):
            return None  # ``a,  # note`` then ``)`` would follow the comment
    if isinstance(removed.comma, cst.Comma):
        comma: cst.Comma | cst.MaybeSentinel = cst.Comma(whitespace_before=previous.comma.whitespace_before, whitespace_after=closing)  # type: ignore[union-attr]
        previous = previous.with_changes(comma=comma)
    else:
        previous = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=closing)
    return call.with_changes(args=[*args[: index - 1], previous])
