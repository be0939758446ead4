#!/usr/bin/env python3
"""Credentials for the benchmark's protected rows (run by Benchmarks/run.sh):

  credentials.py jwt DIR          an RSA key: DIR/keys.json (its JWKS) and DIR/token.txt (an RS256
                                  Cognito-style ID token, valid one hour); needs `cryptography`
  credentials.py sigv4 URL OUT    a wrk Lua script that sends URL's request signed by botocore's
                                  SigV4Auth now (valid five minutes, the execute-api skew)
"""
import base64
import json
import os
import sys
import time

POOL = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(directory):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.public_key().public_numbers()
    n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
    e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
    with open(os.path.join(directory, "keys.json"), "w") as f:
        json.dump({"keys": [{"kty": "RSA", "kid": "bench-1", "use": "sig", "alg": "RS256", "n": b64url(n), "e": b64url(e)}]}, f)
    now = int(time.time())
    header = b64url(json.dumps({"alg": "RS256", "kid": "bench-1", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"iss": POOL, "sub": "bench-user", "aud": "bench-client", "token_use": "id",
                                "cognito:username": "bench", "iat": now - 1, "exp": now + 3600}).encode())
    signature = key.sign(f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
    with open(os.path.join(directory, "token.txt"), "w") as f:
        f.write(f"{header}.{claims}.{b64url(signature)}")


def sigv4(url, out):
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="GET", url=url)
    botocore.auth.SigV4Auth(Credentials("AKIDBENCH", "bench-secret-key"), "execute-api", "us-east-1").add_auth(request)
    with open(out, "w") as f:
        for name in ("Authorization", "X-Amz-Date"):
            f.write(f'wrk.headers["{name}"] = "{request.headers[name]}"\n')


if __name__ == "__main__":
    if sys.argv[1] == "jwt":
        jwt(sys.argv[2])
    elif sys.argv[1] == "sigv4":
        sigv4(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
