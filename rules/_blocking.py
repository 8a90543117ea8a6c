"""The shared check of FL101-FL106: each rule reports the blocking calls of its own code."""

from __future__ import annotations

from collections.abc import Iterator

from fastlint import BlockingSite, Finding, Fix, ModuleContext, Rule, describe_call, find_blocking_calls, offload_to_threadpool


class BlockingCallRule(Rule):
    """Shared check of FL101-FL106: each reports the blocking calls of its own code."""

    triggers = (b"async def",)
    # The knowledge table's code of the calls reported, when not the rule's own.
    entry_code: str | None = None
    # Which code: only what the project serves (True), only async code that none of what
    # it serves reaches (False), or both (None).
    served: bool | None = None

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        code = self.entry_code or self.code
        for site in ctx.fact("blocking-calls", find_blocking_calls):
            if site.entry.code != code or (self.served is not None and site.served != self.served):
                continue
            via = f", through nested `{site.nested}()`" if site.nested else ""
            hint = f"; use {site.entry.use_instead}" if site.entry.use_instead else ""
            message = f"{describe_call(ctx, site.call.func, site.name)} blocks the event loop in {ctx.model.describe(site.function)}{via}{hint}"
            title = f"Use {site.entry.use_instead}" if site.entry.use_instead else "Move the call off the event loop"
            yield ctx.finding(self.code, site.call.func, message, fix_title=title, fix=self.fix(ctx, site) if site.nested is None else None)

    def fix(self, ctx: ModuleContext, site: BlockingSite) -> Fix | None:
        """The fix of one blocking call: ``await run_in_threadpool(f, args)`` for a fixable
        rule; rules that can rewrite the call better override it."""
        return offload_to_threadpool(ctx, site.call, site.function) if self.fixable else None
