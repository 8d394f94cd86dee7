"""Writes what the benchmark's servers share: an RSA signing key's JWKS (jwks.json) and one RS256
access token shaped like Keycloak's (token.jwt), valid for two hours. Usage: tokens.py DIR ISSUER"""
import json
import sys
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def main(directory, issuer):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = str(uuid.uuid4())
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": kid, "use": "sig", "alg": "RS256"})
    with open(f"{directory}/jwks.json", "w") as out:
        json.dump({"keys": [jwk]}, out)
    now = int(time.time())
    claims = {
        "iss": issuer, "aud": ["oauth2-demo", "account"], "sub": "bench-user", "iat": now, "exp": now + 7200,
        "email": "john@gefyra.dev", "email_verified": True, "preferred_username": "john@gefyra.dev",
        # The claim the seed's backend reads (bench/baseline); ours maps Email <- email and ignores it.
        "Email": "john@gefyra.dev",
        "realm_access": {"roles": ["offline_access", "default-roles-demo"]},
    }
    with open(f"{directory}/token.jwt", "w") as out:
        out.write(jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
