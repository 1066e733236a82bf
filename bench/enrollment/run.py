#!/usr/bin/env python3
"""certmesh enrollment signing at 1,000 members (issue 5's leftover), koi next to `openssl ca` in the same run.

    python3 bench/enrollment/run.py [--runs 3] [--members 1000] [--count 500] [--no-build]

koi runs in-process (bench/enrollment/signer, Release): a CA in a temp dir under /var/tmp (a real disk, so fsync
costs what it costs), filled to --members through the join path, then --count more, timed:
  admit  CSR parsed and its self-signature checked, rules 6 and 8 (revoked / taken, SANs, sign), the roster and the
         audit line persisted (fsync'd) — JoinAsync after the code check, without HTTP;
  join   the whole JoinAsync with a fresh TOTP code per join (adds the code check and the used-step save);
  renew  --count members renewing once each: the CA's side of POST /mesh/renew after the mTLS handshake (CSR checked,
         reissued with the member's names, roster and audit persisted). Like-for-like peer: `openssl ca` per CSR.
         Once one at a time, once with 16 in flight (renewals waiting for the CA's gate are committed together).
openssl signs the same CSRs with `openssl ca` (an index.txt database pre-filled to --members entries, the same
extensions and SANs): one process per CSR — each issuance recorded in the database before the next, like koi's
roster — and, as openssl's best case, one batch process for all --count CSRs (`-infiles`, database written once).
openssl never fsyncs; koi fsyncs twice per admit (journal line, audit line) and twice more per join (used step).
Prints medians over --runs and the load average, since other work on the machine moves these figures.
"""
import argparse, json, os, shutil, statistics, subprocess, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SIGNER = os.path.join(REPO, "bench", "enrollment", "signer")
DLL = os.path.join(SIGNER, "bin", "Release", "net10.0", "EnrollmentBench.dll")

CONFIG = """
[ ca ]
default_ca = bench
[ bench ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = {work}/ca.pem
private_key = {work}/ca.key
default_md = sha256
default_days = 30
policy = anything
unique_subject = no
copy_extensions = none
rand_serial = yes
[ anything ]
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:$ENV::HOST,DNS:$ENV::HOST.local,DNS:$ENV::HOST.lan,IP:$ENV::IP
"""

def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)

def openssl_db(work, name):
    d = os.path.join(work, name)
    os.makedirs(os.path.join(d, "newcerts"))
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write(CONFIG.format(dir=d, work=work))
    return d

def ca(d, csrs, host="stone", ip="10.77.0.2", out=None):
    env = dict(os.environ, HOST=host, IP=ip)
    cmd = ["openssl", "ca", "-batch", "-notext", "-config", os.path.join(d, "ca.cnf"), "-extensions", "leaf",
           "-out", out or os.devnull]
    run(cmd + (["-in", csrs[0]] if len(csrs) == 1 else ["-infiles", *csrs]), env=env)

def one_round(work, members, count, dll=DLL):
    out = subprocess.run(["dotnet", dll, "--dir", work, "--members", str(members), "--count", str(count)],
                         check=True, capture_output=True, text=True).stdout
    koi = json.loads(out.strip().splitlines()[-1])
    csrs = sorted(os.path.join(work, "csr", f) for f in os.listdir(os.path.join(work, "csr")))
    run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", os.path.join(work, "ca.key")])
    run(["openssl", "req", "-x509", "-new", "-key", os.path.join(work, "ca.key"), "-subj", "/CN=bench openssl CA",
         "-days", "3650", "-out", os.path.join(work, "ca.pem")])
    single = openssl_db(work, "single")
    ca(single, csrs[:members])                       # pre-fill, untimed
    batch = os.path.join(work, "batch")
    shutil.copytree(single, batch)
    with open(os.path.join(batch, "ca.cnf"), "w") as f:
        f.write(CONFIG.format(dir=batch, work=work))
    timed = csrs[members:members + count]
    t = time.monotonic()
    for i, csr in enumerate(timed):
        ca(single, [csr], host=f"stone-{members + i:04d}", ip=f"10.77.{1 + (members + i) // 250}.{1 + (members + i) % 250}")
    per_process = count / (time.monotonic() - t)
    t = time.monotonic()
    ca(batch, timed)
    batched = count / (time.monotonic() - t)
    return koi["admit_per_sec"], koi["join_per_sec"], per_process, batched, koi["admit_roster_bytes"], koi["renew_per_sec"], koi["renew_concurrent_per_sec"], koi.get("admit_cpu_ms", 0), koi.get("renew_cpu_ms", 0), koi.get("renew_concurrent_cpu_ms", 0)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--members", type=int, default=1000)
    p.add_argument("--count", type=int, default=500)
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--signer-dll", default=DLL, help="another build of the signer (e.g. of an older commit, to compare)")
    a = p.parse_args()
    if not a.no_build:
        run(["dotnet", "build", "-c", "Release", SIGNER])
    load_before = os.getloadavg()
    rounds = []
    for _ in range(a.runs):
        work = tempfile.mkdtemp(prefix="koi-bench-enroll-", dir="/var/tmp")
        try:
            rounds.append(one_round(work, a.members, a.count, a.signer_dll))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    admit, join, single, batch = (statistics.median(r[i] for r in rounds) for i in range(4))
    renew = statistics.median(r[5] for r in rounds)
    renew16 = statistics.median(r[6] for r in rounds)
    print(f"{a.members} members, {a.count} timed, {a.runs} runs; load average {load_before[0]:.1f} -> {load_after[0]:.1f} "
          f"on {os.cpu_count()} CPUs; roster.json {rounds[-1][4] / 1024:.0f} KiB")
    print(f"{'signs/s (median)':44}{'koi':>10}{'openssl':>10}{'koi/openssl':>13}")
    print(f"{'koi admit vs openssl ca, process per CSR':44}{admit:10.0f}{single:10.0f}{admit / single:12.2f}x")
    print(f"{'koi admit vs openssl ca, one batch':44}{admit:10.0f}{batch:10.0f}{admit / batch:12.2f}x")
    print(f"{'koi full join (TOTP + used step) ':44}{join:10.0f}")
    print(f"{'koi renew vs openssl ca, process per CSR':44}{renew:10.0f}{single:10.0f}{renew / single:12.2f}x")
    print(f"{'koi renew, 16 in flight (group commit)':44}{renew16:10.0f}{single:10.0f}{renew16 / single:12.2f}x")
    cpu = [statistics.median(r[i] for r in rounds) for i in (7, 8, 9)]
    print(f"CPU ms per operation (koi process, median; ceiling on one free core = 1000 / ms): admit {cpu[0]:.2f}, renew {cpu[1]:.2f}, "
          f"renew 16 in flight {cpu[2]:.2f}")
    print("runs (admit, join, renew, renew 16 in flight, openssl per CSR, openssl batch): " +
          "; ".join(f"{r[0]:.0f}, {r[1]:.0f}, {r[5]:.0f}, {r[6]:.0f}, {r[2]:.0f}, {r[3]:.0f}" for r in rounds))

if __name__ == "__main__":
    main()
