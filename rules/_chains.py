"""The check FL107 and FL112 share: calls from event-loop code into project functions that
block, reported at the first call with the whole chain. FL107 takes the code the project
serves, FL112 the async code none of it reaches."""

from __future__ import annotations

from collections.abc import Iterator

from fastlint import (
    Finding,
    ModuleContext,
    Root,
    Rule,
    cache_key,
    callee_name,
    constant_arguments,
    dotted_text,
    iterated_calls,
    local_calls,
    off_path_nodes,
    offload_to_threadpool,
)


class ChainRule(Rule):
    """Blocking call chains from event-loop code (FL107, FL112)."""

    triggers = (b"async def",)
    # Which code: what the project serves, or may serve as far as the index can tell (True);
    # async code a complete index shows no served path to, in a project that serves
    # something (False); or both (None).
    served: bool | None = None

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        project = ctx.project
        if project is None:
            return
        for function in ctx.async_functions:
            if not ctx.runs_on_loop(function) or cache_key(function, ctx.names) == "fixed":
                continue  # a memoised coroutine without arguments runs once per process
            scope = ctx.inference.scope(function)
            owner = ctx.model.owners.get(function)
            # One finding per root cause in this function, at its first call; the others are counted.
            by_root: dict[tuple[str, str], list] = {}  # type: ignore[type-arg]
            once = off_path_nodes(function, owner)  # lazy initialisation, debug-only captures
            iterated: set[int] | None = None  # asked of sync generators only
            calls = sorted(
                (n for n in local_calls(function) if id(n) not in once), key=lambda n: (n.lineno, n.col_offset)
            )
            for node in calls:
                name = callee_name(node.func, scope, ctx.inference, f"{ctx.module}.{owner.name}" if owner else None)
                if name is None or ctx.knowledge.blocking_call(name) or name in ctx.knowledge.offload_wrappers:
                    continue
                canonical = project.resolve(name)
                found = project.function(canonical) if canonical else None
                if canonical is None or found is None:
                    continue  # no project function: no chain starts here
                summary = found[1]
                if summary.generator:  # calling it runs nothing: its body runs where the result is iterated
                    iterated = iterated_calls(function) if iterated is None else iterated
                    if id(node) not in iterated:
                        continue  # ``StreamingResponse(chunks())``: Starlette iterates it in the threadpool
                unset = project.left_out(canonical, node)  # work needing an optional argument it leaves out does not run
                chain = project.blocking_chain(canonical, ctx.enabled_codes, unset=unset)
                if chain is not None and constant_arguments(node, function):
                    # ``get_client("default")`` memoised, or a memoised function the chain
                    # reaches through calls that pass the constants on: once per process.
                    memoised = summary.keyed_cache
                    chain = None if memoised else project.blocking_chain(canonical, ctx.enabled_codes, process_level=True, unset=unset)
                if chain is not None:
                    by_root.setdefault((chain.root, chain.blocking), []).append((node, chain))
            if by_root and ctx.reached_only_once(function):
                continue  # only startup, CLI or import-time code reaches it
            if by_root and self.served is not None and ctx.unserved(function) == self.served:
                continue  # the other rule's: FL107 takes served code, FL112 the rest
            for (root, blocking), sites in by_root.items():  # in the order of their first calls
                node, chain = sites[0]
                others = len(sites) - 1
                entry = chain.entry(dotted_text(node.func))
                message = f"{chain.describe(entry)} blocks the event loop ({ctx.model.describe(function)})"
                if others:
                    message += f"; {others} other call{'s' if others > 1 else ''} here reach{'' if others > 1 else 'es'} it too"
                # What to do, as FL101-FL106 say it: offload the first call, or go async end to end.
                message += f": call `{entry}` through `run_in_threadpool`, or make the chain async"
                yield ctx.finding(
                    self.code,
                    node.func,
                    message,
                    fix_title=f"Offload `{entry}` with `run_in_threadpool`",
                    fix=offload_to_threadpool(ctx, node, function),
                    suppressed_by=(chain.code,),
                    root=Root(root, blocking),
                )
