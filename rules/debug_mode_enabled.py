import ast
import re
from collections.abc import Iterator

from fastlint import Applicability, Finding, Fix, Invalid, ModuleContext, Rule, Valid, nodes_of, remove_argument
from fastlint.knowledge.fastapi import APPLICATIONS


class DebugModeEnabled(Rule):
    """
    ## What it does
    Checks for `debug=True` written as a literal in `FastAPI(...)` or `Starlette(...)`.

    ## Why is this bad?
    In debug mode Starlette's error middleware answers an unhandled exception with the
    full traceback, local source lines included, to whoever sent the request. A literal
    `True` ships that to production with the code. Debug pages are also built on the
    event loop for every error, which makes error storms slower.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI(debug=True)
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI

    from app.config import settings

    app = FastAPI(debug=settings.debug)
    ```
    A literal `debug=True` in the branch of a debug or development switch
    (`if in_debug_mode():`, `if settings.DEBUG:`, `if ENV == "dev":`, the `else` of
    `if not settings.debug:`, the same as a conditional expression) is that: it is not
    reported.

    ## Fix safety
    The fix removes the `debug=True` argument, so the application runs with the default
    `debug=False`. It is unsafe: a development setup that relied on tracebacks in
    responses loses them; read the flag from configuration to keep them in development.
    The argument's own comment goes with it (`debug=True,  # remove before release`);
    no fix is offered when a comment line next to it would be lost.

    ## References
    - [Starlette: Applications](https://www.starlette.io/applications/)
    - [FastAPI: FastAPI class](https://fastapi.tiangolo.com/reference/fastapi/)
    """

    code = "FL502"
    name = "debug-mode-enabled"
    triggers = (b"debug",)
    fixable = True

    def check(self, ctx: ModuleContext) -> Iterator[Finding]:
        switched: set[int] | None = None  # computed for the first candidate only: most files have none
        for node in nodes_of(ctx.tree, ast.Call):
            if not any(item.arg == "debug" for item in node.keywords):
                continue
            app = APPLICATIONS.get(ctx.names.qualified_name(node.func) or "")
            for item in node.keywords if app else ():
                if item.arg == "debug" and isinstance(item.value, ast.Constant) and item.value.value is True:
                    if switched is None:
                        switched = _debug_branches(ctx.tree)
                    if id(node) in switched:
                        continue
                    yield ctx.finding(
                        self.code,
                        item,
                        f"`{app}(debug=True)` sends tracebacks to clients on every unhandled error",
                        fix_title="Read `debug` from configuration",
                        fix=_fix(ctx, node, item),
                    )

    VALID = (
        Valid("from fastapi import FastAPI\n\napp = FastAPI(debug=False)\n"),
        Valid("import os\nfrom fastapi import FastAPI\n\napp = FastAPI(debug=os.getenv('DEBUG') == '1')\n"),
        Valid("from app.factory import build\n\napp = build(debug=True)\n"),
        Valid(
            "from fastapi import FastAPI\nfrom app.utils import in_debug_mode\n\n"
            "if in_debug_mode():\n    app = FastAPI(debug=True)\nelse:\n    app = FastAPI(docs_url=None)\n"
        ),
        Valid(
            "from fastapi import FastAPI\nfrom app.config import settings\n\n"
            "app = FastAPI() if not settings.DEBUG else FastAPI(debug=True)\n"
        ),
    )
    INVALID = (
        Invalid(
            "from fastapi import FastAPI\n\napp = FastAPI(title='x', debug=True)\n",
            expected=((3, 26, 3, 36),),
            message="`FastAPI(debug=True)` sends tracebacks to clients on every unhandled error",
            fixed="from fastapi import FastAPI\n\napp = FastAPI(title='x')\n",
        ),
        Invalid(
            "from starlette.applications import Starlette\n\napp = Starlette(routes=[], debug=True)\n",
            expected=((3, 28, 3, 38),),
            message="`Starlette(debug=True)`",
            fixed="from starlette.applications import Starlette\n\napp = Starlette(routes=[])\n",
        ),
        Invalid(
            "from fastapi import FastAPI\nfrom app.utils import in_debug_mode\n\n"
            "if in_debug_mode():\n    app = FastAPI(docs_url=None)\nelse:\n    app = FastAPI(debug=True)\n",
            expected=((7, 19, 7, 29),),
            message="`FastAPI(debug=True)`",
        ),
    )


# A test that switches on a debug or development mode: ``in_debug_mode()``, ``settings.DEBUG``, ``ENV == "dev"``.
_DEBUG_SWITCH = re.compile(r"debug|(?<![a-z])dev(?![a-z])|development", re.IGNORECASE)


def _debug_branches(tree: ast.Module) -> set[int]:
    """The ids of the calls that run only when a debug or development switch is on."""
    found: set[int] = set()
    # The tree's own list of its conditionals, not a walk of all of it (chromadb's 76 KB
    # server module: 60 ms a check).
    for node in nodes_of(tree, ast.If, ast.IfExp):
        if _DEBUG_SWITCH.search(ast.unparse(node.test)):
            negated = isinstance(node.test, ast.UnaryOp) and isinstance(node.test.op, ast.Not)
            branch = node.orelse if negated else node.body
            for part in branch if isinstance(branch, list) else [branch]:
                found.update(id(child) for child in ast.walk(part) if isinstance(child, ast.Call))
    return found


def _fix(ctx: ModuleContext, call: ast.Call, argument: ast.keyword) -> Fix | None:
    edit = remove_argument(ctx, call, argument)
    return Fix((edit,), Applicability.UNSAFE, "Remove `debug=True`") if edit else None
