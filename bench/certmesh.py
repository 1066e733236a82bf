#!/usr/bin/env python3
"""certmesh create / unlock times of the published koi, next to openssl doing the same key work in the same run:
an ECDSA P-256 key encrypted as PKCS#8 with PBKDF2-HMAC-SHA256 at 600,000 iterations (create), and opened again
(unlock). Loopback only, trust stores untouched (KOI_CERTMESH_NO_TRUST_STORES=1), every process stopped by pid.

    python3 bench/certmesh.py [--koi artifacts/publish/koi] [--runs 5]
"""
import argparse, os, signal, socket, statistics, subprocess, tempfile, time, urllib.request

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def timed(cmd, **kw):
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.monotonic() - t

def start_daemon(koi, data, port, env):
    proc = subprocess.Popen([koi, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(port), "--data-dir", data, "--log-level", "warn"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            if os.path.exists(os.path.join(data, "daemon.json")):
                return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("daemon did not start")

def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(10)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--koi", default="artifacts/publish/koi")
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    koi = os.path.abspath(a.koi)
    env = dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1")
    work = tempfile.mkdtemp(prefix="koi-bench-cm-")
    passfile = os.path.join(work, "pass")
    with open(os.open(passfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write("bench ceremony passphrase 2026\n")
    create, unlock, o_create, o_unlock = [], [], [], []
    try:
        for i in range(a.runs):
            data, port = os.path.join(work, f"d{i}"), free_port()
            daemon = start_daemon(koi, data, port, env)
            create.append(timed([koi, "certmesh", "create", "--profile", "just-me", "--passphrase-file", passfile, "--json", "--data-dir", data], env=env))
            stop(daemon)
            daemon = start_daemon(koi, data, port, env)
            with open(passfile) as stdin:
                unlock.append(timed([koi, "certmesh", "unlock", "--passphrase-stdin", "--data-dir", data], env=env, stdin=stdin))
            stop(daemon)
            key = os.path.join(work, f"k{i}.pem")
            o_create.append(timed(["sh", "-c", f"openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 | openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 600000 -passout file:{passfile} -out {key}"]))
            o_unlock.append(timed(["openssl", "pkey", "-in", key, "-passin", f"file:{passfile}", "-noout"]))
    finally:
        subprocess.run(["rm", "-rf", work])
    med = lambda v: statistics.median(v) * 1000
    print(f"{'':36}{'koi':>10}{'openssl':>10}{'koi/openssl':>13}")
    print(f"{'create (CLI, KDF incl.), median ms':36}{med(create):10.0f}{med(o_create):10.0f}{med(create)/med(o_create):12.1f}x")
    print(f"{'unlock (CLI, KDF incl.), median ms':36}{med(unlock):10.0f}{med(o_unlock):10.0f}{med(unlock)/med(o_unlock):12.1f}x")

if __name__ == "__main__":
    main()
