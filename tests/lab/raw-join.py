#!/usr/bin/env python3
"""POST a join the way an outsider would: a fresh key and CSR from openssl, a code, nothing else.

usage: raw-join.py CA_URL HOSTNAME CODE [--cafile CA_PEM] [--key-type ec|rsa]

CA_URL https://ADDRESS:MESH_PORT: the join goes over TLS to the mesh plane's POST /v1/certmesh/mesh/join, and the
server must present a certificate that chains to CA_PEM and names ADDRESS (--cafile is required then).
CA_URL http://ADDRESS:HTTP_PORT: the join goes in clear to POST /v1/certmesh/join — the CA refuses it
(403 tls_required); the lab uses this to show that.
Prints the HTTP status on the first line and the response body after it. The key stays in a temp dir that is
removed before exit; the lab uses this to replay codes, hammer the rate limit and try revoked or closed paths.
"""
import argparse
import json
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("hostname")
    parser.add_argument("code")
    parser.add_argument("--cafile")
    parser.add_argument("--key-type", choices=["ec", "rsa"], default="ec")
    args = parser.parse_args()

    tls = args.url.startswith("https://")
    if tls and not args.cafile:
        parser.error("an https CA_URL needs --cafile: the CA's certificate is what the server must chain to")
    with tempfile.TemporaryDirectory() as tmp:
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if args.key_type == "ec" else ["-newkey", "rsa:2048"]
        subprocess.run(
            ["openssl", "req", "-new", *newkey, "-nodes", "-keyout", f"{tmp}/key.pem", "-subj", f"/CN={args.hostname}", "-out", f"{tmp}/csr.pem"],
            check=True, capture_output=True)
        with open(f"{tmp}/csr.pem", encoding="ascii") as f:
            csr = f.read()
    body = json.dumps({"hostname": args.hostname, "csr": csr, "totp_code": args.code}).encode()
    path = "/v1/certmesh/mesh/join" if tls else "/v1/certmesh/join"
    # Verification on (certificate chain to the CA, host name or address checked): the code is sent only to the CA.
    context = ssl.create_default_context(cafile=args.cafile) if tls else None
    request = urllib.request.Request(args.url.rstrip("/") + path, data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    print(status)
    print(payload.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
