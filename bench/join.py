#!/usr/bin/env python3
"""certmesh join: the round trip a joiner's daemon takes (machine time only: hello + proof check, key and CSR,
the CA's rules and signing, files written), next to openssl doing the same key and signing work in the same run;
then 50 concurrent join attempts at one CA with mixed valid, wrong and replayed codes, each of which must get a
rule's answer (200/401/409/429), never a 500. Two daemons on loopback, mDNS off, trust stores untouched.

    python3 bench/join.py [--koi artifacts/publish/koi] [--runs 5]
"""
import argparse, collections, concurrent.futures, json, os, re, shutil, signal, socket, statistics, subprocess
import tempfile, time, urllib.error, urllib.request

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start_daemon(koi, data, port, env):
    proc = subprocess.Popen([koi, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(port), "--data-dir", data,
                             "--log-level", "warn"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if os.path.exists(os.path.join(data, "daemon.json")):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("daemon did not start")

def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()

def post(url, body, token=None, timeout=30):
    headers = {"content-type": "application/json"}
    if token:
        headers["x-koi-token"] = token
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()

def code(secret, offset=0):
    args = ["oathtool", "--totp", "-b", secret] + ([f"--now=@{int(time.time()) + offset}"] if offset else [])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()

def create_ca(koi, data, env):
    out = subprocess.run([koi, "certmesh", "create", "--profile", "just-me", "--passphrase", "join bench passphrase 2026",
                          "--json", "--data-dir", data], env=env, check=True, capture_output=True, text=True).stdout
    return re.search(r"secret=([A-Z2-7]+)", out).group(1)

def token(data):
    with open(os.path.join(data, "daemon.json")) as f:
        return json.load(f)["token"]

def openssl_round(work):
    t = time.monotonic()
    subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    f"{work}/m.key", "-subj", "/CN=member", "-out", f"{work}/m.csr"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", f"{work}/m.csr", "-CA", f"{work}/ca.pem", "-CAkey", f"{work}/ca.key",
                    "-days", "30", "-out", f"{work}/m.pem"], check=True, capture_output=True)
    return time.monotonic() - t

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--koi", default="artifacts/publish/koi")
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    koi = os.path.abspath(a.koi)
    work = tempfile.mkdtemp(prefix="koi-bench-join-")
    procs = []
    koi_times, hello_times, ossl_times = [], [], []
    try:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        f"{work}/ca.key", "-subj", "/CN=bench CA", "-days", "30", "-out", f"{work}/ca.pem"], check=True, capture_output=True)
        for i in range(a.runs):
            ca_data, ca_port = os.path.join(work, f"ca{i}"), free_port()
            m_data, m_port = os.path.join(work, f"m{i}"), free_port()
            ca = start_daemon(koi, ca_data, ca_port, dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1", KOI_HOSTNAME=f"bench-ca{i}"))
            member = start_daemon(koi, m_data, m_port, dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1", KOI_HOSTNAME=f"bench-m{i}"))
            procs += [ca, member]
            secret = create_ca(koi, ca_data, dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1"))
            # As the CLI does: prove who the CA is and show the fingerprint, then (after the human types a code) join.
            t = time.monotonic()
            status, text = post(f"http://127.0.0.1:{m_port}/v1/certmesh/member/identify", {"endpoint": f"http://127.0.0.1:{ca_port}"}, token(m_data))
            hello_times.append(time.monotonic() - t)
            assert status == 200, (status, text)
            body = {"endpoint": f"http://127.0.0.1:{ca_port}", "totp_code": code(secret)}
            t = time.monotonic()
            status, text = post(f"http://127.0.0.1:{m_port}/v1/certmesh/member/join", body, token(m_data))
            koi_times.append(time.monotonic() - t)
            assert status == 200 and '"enrolled"' in text, (status, text)
            ossl_times.append(openssl_round(work))
            if i < a.runs - 1:
                stop(member)
                stop(ca)
                procs = procs[:-2]

        # 50 concurrent attempts at the last CA, all from 127.0.0.1: 10 with the current code (one may win, the
        # rest are replays), 20 with wrong codes, 20 replaying the code the round trip above already spent.
        ca_url = f"http://127.0.0.1:{ca_port}/v1/certmesh/join"
        spent = body["totp_code"]
        current = code(secret)
        deadline = time.monotonic() + 40
        while current == spent and time.monotonic() < deadline:
            time.sleep(1)
            current = code(secret)
        wrong = f"{(int(current) + 500000) % 1000000:06d}"
        csrs = []
        for n in range(50):
            subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                            f"{work}/c{n}.key", "-subj", f"/CN=burst-{n}", "-out", f"{work}/c{n}.csr"], check=True, capture_output=True)
            with open(f"{work}/c{n}.csr") as f:
                csrs.append(f.read())
        kinds = ["valid"] * 10 + ["wrong"] * 20 + ["replay"] * 20
        codes = {"valid": current, "wrong": wrong, "replay": spent}

        def attempt(n):
            t = time.monotonic()
            status, text = post(ca_url, {"hostname": f"burst-{n}", "csr": csrs[n], "totp_code": codes[kinds[n]]})
            return kinds[n], status, time.monotonic() - t, text

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(attempt, range(50)))
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)

    med = lambda v: statistics.median(v) * 1000
    print(f"identify (hello + proof check, first call of a fresh daemon), median ms: {med(hello_times):.0f}")
    print(f"join round trip over {a.runs} runs (median ms): koi {med(koi_times):.0f} (min {min(koi_times)*1000:.0f}, max {max(koi_times)*1000:.0f});"
          f" openssl key+CSR+sign {med(ossl_times):.0f}; koi/openssl {med(koi_times)/med(ossl_times):.1f}x; target < 500 ms")
    by = collections.Counter((k, s) for k, s, _, _ in results)
    print("50 concurrent attempts (kind, status): " + ", ".join(f"{k}/{s}: {c}" for (k, s), c in sorted(by.items())))
    latencies = sorted(t for _, _, t, _ in results)
    print(f"  latency p50 {latencies[24]*1000:.0f} ms, max {latencies[-1]*1000:.0f} ms;"
          f" 5xx answers: {sum(1 for _, s, _, _ in results if s >= 500)}; 200s: {sum(1 for _, s, _, _ in results if s == 200)} (at most 1 expected)")

if __name__ == "__main__":
    main()
