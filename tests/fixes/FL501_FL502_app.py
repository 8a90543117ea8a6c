from fastapi import FastAPI

app = FastAPI(
    title="orders",
    debug=True,  # remove before release
)
