"""The seed's backend as the seed wrote it, rebuilt for comparison (the Gefyra oauth2-demo's app):
FastAPI with its three routes declared `async def`, so they run on the event loop, not in a thread
pool; the forwarded token decoded without any verification; the claim read as the seed reads it,
`Email`, which the benchmark's token carries (Keycloak's tokens do not: the seed answers those with
500). Run as the seed's image ran it: uvicorn main:app (one worker), or with --workers N."""
from typing import Optional

import jwt
from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/")
async def get_root():
    return {"Hello": "World"}


@app.get("/me")
async def get_me(x_forwarded_access_token: str = Header(None)):
    return {"Token": jwt.decode(x_forwarded_access_token, options={"verify_signature": False})}


@app.get("/items/{item_id}")
async def get_item(item_id: int, x_forwarded_access_token: Optional[str] = Header(None)):
    if not x_forwarded_access_token:
        return {"item_id": item_id, "Email": "not given"}
    claims = jwt.decode(x_forwarded_access_token, options={"verify_signature": False})
    return {"item_id": item_id, "Email": claims["Email"]}
