#!/usr/bin/env python3
"""POST /v1/certmesh/join the way an outsider would: a fresh key and CSR from openssl, a code, nothing else.

usage: raw-join.py CA_URL HOSTNAME CODE [--key-type ec|rsa]
Prints the HTTP status on the first line and the response body after it. The key stays in a temp dir that is
removed before exit; the lab uses this to replay codes, hammer the rate limit and try revoked or closed paths.
"""
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request


def main() -> int:
    url, hostname, code = sys.argv[1], sys.argv[2], sys.argv[3]
    key_type = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--key-type" else "ec"
    with tempfile.TemporaryDirectory() as tmp:
        newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if key_type == "ec" else ["-newkey", "rsa:2048"]
        subprocess.run(
            ["openssl", "req", "-new", *newkey, "-nodes", "-keyout", f"{tmp}/key.pem", "-subj", f"/CN={hostname}", "-out", f"{tmp}/csr.pem"],
            check=True, capture_output=True)
        with open(f"{tmp}/csr.pem", encoding="ascii") as f:
            csr = f.read()
    body = json.dumps({"hostname": hostname, "csr": csr, "totp_code": code}).encode()
    request = urllib.request.Request(url.rstrip("/") + "/v1/certmesh/join", data=body, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, payload = error.code, error.read()
    print(status)
    print(payload.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
