#!/usr/bin/env python3
"""certmesh join: the round trip a joiner's daemon takes (machine time only: hello + proof check, key and CSR,
the CA's rules and signing, files written), next to openssl doing the same key and signing work in the same run;
then forced renewals of the joined member over the CA's mTLS plane (--renews), and the plane's TLS on its own:
`openssl s_time` new handshakes against returning clients resuming one session (-reuse), with the CA process's CPU
per connection, and `openssl s_client -reconnect` counting resumed sessions (TLS 1.2); then 50 concurrent join attempts
at one CA with mixed valid, wrong and replayed codes, each of which must get a rule's answer (200/401/409/429), never a
500. Two daemons on loopback, mDNS off, trust stores untouched.

    python3 bench/join.py [--koi artifacts/publish/koi] [--runs 5] [--renews 20] [--stime-secs 5]
"""
import argparse, collections, concurrent.futures, json, os, re, shutil, signal, socket, ssl, statistics, subprocess
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

def post(url, body, token=None, timeout=30, context=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["x-koi-token"] = token
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as r:
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

def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

def mesh_port(ca_port):
    status, text = post(f"http://127.0.0.1:{ca_port}/v1/certmesh/hello", {"nonce": "bench-" + str(time.monotonic_ns())})
    assert status == 200, (status, text)
    return json.loads(text)["mesh_port"]

def s_time(pid, port, mode, secs):
    """openssl s_time against the mesh plane: connections per second and the CA's CPU (ms) per connection."""
    before = cpu_ticks(pid)
    # TLS 1.2, where s_time's -reuse resumes (a TLS 1.3 ticket arrives after the handshake and s_time reads nothing).
    out = subprocess.run(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-tls1_2", mode, "-time", str(secs)],
                         capture_output=True, text=True, timeout=secs * 4 + 30).stdout
    cpu_ms = (cpu_ticks(pid) - before) * 1000 / os.sysconf("SC_CLK_TCK")
    m = re.findall(r"(\d+) connections in (\d+) real seconds", out)
    count, elapsed = (int(m[-1][0]), float(m[-1][1])) if m else (0, float(secs))
    return count / elapsed if elapsed else 0, cpu_ms / count if count else float("nan"), count

def reconnect_reused(port):
    out = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-reconnect"],
                         input="", capture_output=True, text=True, timeout=60).stdout
    return out.count("Reused, "), out.count("New, ") + out.count("Reused, ")

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--koi", default="artifacts/publish/koi")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--renews", type=int, default=20)
    p.add_argument("--stime-secs", type=int, default=5)
    a = p.parse_args()
    print("load before:", open("/proc/loadavg").read().split()[:3])
    renew_times = []
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

        # Renewals of the last member, forced, one after another: each is a request over the CA's mTLS plane.
        for _ in range(a.renews):
            t = time.monotonic()
            status, text = post(f"http://127.0.0.1:{m_port}/v1/certmesh/renew", {"force": True}, token(m_data))
            renew_times.append(time.monotonic() - t)
            assert status == 200, (status, text)

        # The plane's TLS alone: new handshakes against returning clients that resume (no client certificate).
        plane = mesh_port(ca_port)
        new_rate, new_cpu, new_count = s_time(ca.pid, plane, "-new", a.stime_secs)
        reuse_rate, reuse_cpu, reuse_count = s_time(ca.pid, plane, "-reuse", a.stime_secs)
        reused, reconnects = reconnect_reused(plane)

        # 50 concurrent attempts at the last CA, all from 127.0.0.1: 10 with the current code (one may win, the
        # rest are replays), 20 with wrong codes, 20 replaying the code the round trip above already spent.
        # Joins are answered on the CA's TLS plane only (the HTTP port refuses them): verified against the CA's
        # certificate, whose name is the CA host's rather than 127.0.0.1.
        ca_url = f"https://127.0.0.1:{plane}/v1/certmesh/mesh/join"
        tls = ssl.create_default_context(cafile=os.path.join(ca_data, "certmesh", "ca", "ca-cert.pem"))
        tls.check_hostname = False
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
            status, text = post(ca_url, {"hostname": f"burst-{n}", "csr": csrs[n], "totp_code": codes[kinds[n]]}, context=tls)
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
    print(f"renewal round trip (member API -> CA mTLS plane -> files swapped), {a.renews} forced, median ms: {med(renew_times):.1f}"
          f" (min {min(renew_times)*1000:.1f}, max {max(renew_times)*1000:.1f})")
    print(f"mesh plane TLS 1.2, openssl s_time {a.stime_secs} s each (wall clock): new {new_rate:.0f}/s ({new_count} conns, CA CPU {new_cpu:.2f} ms/conn);"
          f" -reuse {reuse_rate:.0f}/s ({reuse_count} conns, CA CPU {reuse_cpu:.2f} ms/conn); reuse/new {reuse_rate / new_rate if new_rate else float('nan'):.2f}x"
          f" (CPU new/reuse {new_cpu / reuse_cpu if reuse_cpu else float('nan'):.2f}x; resumption works when it is well above 1)")
    print(f"  s_client -reconnect (TLS 1.2): {reused} of {reconnects} connections resumed a session (target: all but the first)")
    by = collections.Counter((k, s) for k, s, _, _ in results)
    print("50 concurrent attempts (kind, status): " + ", ".join(f"{k}/{s}: {c}" for (k, s), c in sorted(by.items())))
    latencies = sorted(t for _, _, t, _ in results)
    print(f"  latency p50 {latencies[24]*1000:.0f} ms, max {latencies[-1]*1000:.0f} ms;"
          f" 5xx answers: {sum(1 for _, s, _, _ in results if s >= 500)}; 200s: {sum(1 for _, s, _, _ in results if s == 200)} (at most 1 expected)")

if __name__ == "__main__":
    main()
    print("load after:", open("/proc/loadavg").read().split()[:3])
