from fastlint import Invalid, Valid

from ._blocking import BlockingCallRule


class CpuHeavyHashingInAsync(BlockingCallRule):
    """
    ## What it does
    Checks for password hashing and key derivation in code that runs on the event loop:
    `bcrypt`, passlib's `CryptContext` and hash handlers, pwdlib, argon2-cffi,
    `hashlib.pbkdf2_hmac` and `hashlib.scrypt`. A `pbkdf2_hmac` with a literal iteration
    count under 5,000 is not reported: 2,048 rounds (BIP-39 seeds, derived wallet keys)
    take about a millisecond, where a password hash's 600,000 take a fifth of a second.

    ## Why is this bad?
    Password hashes are slow on purpose: a bcrypt or argon2 verify costs 50 to 500 ms of
    CPU. In an `async def` login route or `get_current_user` dependency, every login
    freezes every other request of the worker for that long.

    ## Example
    ```python
    from fastapi import FastAPI
    from passlib.context import CryptContext

    pwd_context = CryptContext(schemes=["bcrypt"])
    app = FastAPI()


    @app.post("/login")
    async def login(password: str, stored_hash: str):
        return {"ok": pwd_context.verify(password, stored_hash)}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.concurrency import run_in_threadpool
    from passlib.context import CryptContext

    pwd_context = CryptContext(schemes=["bcrypt"])
    app = FastAPI()


    @app.post("/login")
    async def login(password: str, stored_hash: str):
        return {"ok": await run_in_threadpool(pwd_context.verify, password, stored_hash)}
    ```

    ## Fix safety
    The fix offloads the call: `bcrypt.hashpw(password, salt)` becomes `await run_in_threadpool(bcrypt.hashpw, password, salt)`
    (Starlette's, which FastAPI depends on), keeping every argument, and adds
    `from starlette.concurrency import run_in_threadpool`. It is unsafe: the call now runs
    in a worker thread while other requests run on the loop, so objects it shares with
    them (a database session, a client that is not thread-safe, module state) are used
    from two threads, and the call takes one of the threadpool's 40 slots. No fix is
    offered where an `await` cannot keep the meaning: inside a lambda, a nested function
    (its defaults and decorators too), a comprehension or generator expression, a `with`
    item, an f-string, or when `run_in_threadpool` is bound to something else.

    ## References
    - [FastAPI: OAuth2 with password hashing](https://fastapi.tiangolo.com/tutorial/security/oauth2-jwt/)
    """

    code = "FL106"
    name = "cpu-heavy-hashing-in-async"
    fixable = True

    VALID = (
        Valid(
            """
import hashlib
from passlib.context import CryptContext

pwd_context = CryptContext(schemes=["bcrypt"])

def verify(password, hashed):
    return pwd_context.verify(password, hashed)

async def digest(data: bytes):
    return hashlib.sha256(data).hexdigest()
"""
        ),
        # A key derived with few rounds (reduced from lnbits' ``fake_privkey``, 2,048 rounds).
        Valid(
            """
from hashlib import pbkdf2_hmac

async def fake_privkey(secret: str) -> str:
    return pbkdf2_hmac("sha256", secret.encode(), b"FakeWallet", 2048, 32).hex()

async def seed(mnemonic: bytes, passphrase: bytes) -> bytes:
    return pbkdf2_hmac("sha512", mnemonic, b"mnemonic" + passphrase, iterations=2048)
"""
        ),
        Valid(
            """
import bcrypt
from fastapi.concurrency import run_in_threadpool

async def check(password: bytes, hashed: bytes):
    return await run_in_threadpool(bcrypt.checkpw, password, hashed)
"""
        ),
    )
    INVALID = (
        Invalid(
            """
import bcrypt
import hashlib
from argon2 import PasswordHasher
from pwdlib import PasswordHash

hasher = PasswordHasher()
password_hash = PasswordHash.recommended()

async def register(password: str):
    salt = bcrypt.gensalt()
    first = bcrypt.hashpw(password.encode(), salt)
    second = hasher.hash(password)
    third = password_hash.hash(password)
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
    return first, second, third, key
""",
            fixed="""
import bcrypt
import hashlib
from argon2 import PasswordHasher
from pwdlib import PasswordHash
from starlette.concurrency import run_in_threadpool

hasher = PasswordHasher()
password_hash = PasswordHash.recommended()

async def register(password: str):
    salt = bcrypt.gensalt()
    first = await run_in_threadpool(bcrypt.hashpw, password.encode(), salt)
    second = await run_in_threadpool(hasher.hash, password)
    third = await run_in_threadpool(password_hash.hash, password)
    key = await run_in_threadpool(hashlib.pbkdf2_hmac, "sha256", password.encode(), salt, 600_000)
    return first, second, third, key
""",
            expected=((12, 13, 12, 26), (13, 14, 13, 25), (14, 13, 14, 31), (15, 11, 15, 30)),
            message="`bcrypt.hashpw` blocks the event loop in async function `register`",
        ),
        # Rounds that are not a literal may be a password hash's.
        Invalid(
            """
import hashlib

ROUNDS = 2048

async def derive(secret: bytes, salt: bytes, rounds: int):
    return hashlib.pbkdf2_hmac("sha256", secret, salt, rounds), hashlib.pbkdf2_hmac("sha256", secret, salt, iterations=ROUNDS)
""",
            expected=((7, 12, 7, 31), (7, 65, 7, 84)),
            message="`hashlib.pbkdf2_hmac` blocks the event loop in async function `derive`",
        ),
        Invalid(
            """
from fastapi import Depends
from passlib.context import CryptContext

pwd_context = CryptContext(schemes=["bcrypt"])

async def current_user(token: str):
    if not pwd_context.verify(token, "hash"):
        raise ValueError
    return token

async def route(user=Depends(current_user)):
    return user
""",
            expected=((8, 12, 8, 30),),
            message="`pwd_context.verify` (`passlib.context.CryptContext.verify`) blocks the event loop in async dependency `current_user`",
        ),
    )
