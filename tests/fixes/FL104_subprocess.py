import subprocess

from fastapi import FastAPI

app = FastAPI()


@app.post("/build")
async def build(ref: str):
    done = subprocess.run(["git", "fetch", ref], check=True, capture_output=True)
    return {"code": done.returncode}
