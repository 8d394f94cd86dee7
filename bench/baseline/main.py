"""The seed's backend, rebuilt for comparison: FastAPI, the forwarded token decoded without any
verification, the email claim read, one JSON answer. Run as the seed's image ran it:
uvicorn main:app (one worker), or with --workers N."""
from typing import Union

import jwt
from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/")
def read_root():
    return {"Hello": "World"}


@app.get("/items/{item_id}")
def read_item(item_id: int, x_forwarded_access_token: Union[str, None] = Header(default=None)):
    email = "not given"
    if x_forwarded_access_token:
        claims = jwt.decode(x_forwarded_access_token, options={"verify_signature": False})
        email = claims.get("email", "not given")
    return {"item_id": item_id, "Email": email}
