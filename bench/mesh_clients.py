#!/usr/bin/env python3
"""What `--clients mesh` adds to a TLS handshake at koi's proxy (issue 15), next to nginx doing the same
client-certificate and CRL checks, same run.

    python3 bench/mesh_clients.py [--koi artifacts/publish/koi] [--seconds 10] [--rounds 3]

Loopback only, every process started here and stopped here by pid: a koi daemon with --no-mdns on 127.0.0.1 (trust
stores untouched) that creates a mesh, so it holds the mesh root, its signed trust bundle and its own mesh
certificate; a backend nginx serving a 1 KiB file on 127.0.0.1; two koi proxy entries in front of it with that
certificate, one `--clients any` (plain TLS) and one `--clients mesh` (a client certificate that chains to the mesh
root and whose serial is not revoked — a set lookup, no I/O, docs/certmesh.md "Handshake refusal"); and
nginx (one worker) serving the same file with the same certificate twice: plain, and `ssl_verify_client on` with the
mesh root and `ssl_crl` on the CRL koi keeps (the usual way to check client certificates and revocation).

`openssl s_time -new` is the client: every connection a full handshake (no resumption) and one GET; with the mesh
certificate and key of the daemon's host (an active member) for the two client-certificate targets. It runs one
connection at a time, so connections/s is a latency figure that includes the client's own work; the CPU the server
spent per handshake (its process's utime + stime from /proc) moves much less with the machine's load and is the
figure to compare. Each round runs every target once, in a rotated order; ratios are taken within a round, reported
as median and range, with the load average of every round.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

from benchproc import cpu_seconds, free_port, start, stop, wait_port, workers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSPHRASE = "bench ceremony passphrase 2026\n"

def s_time(port, seconds, client=None):
    """Full handshakes + one GET each, one at a time, for `seconds`: (connections/s, connections)."""
    cmd = ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(seconds), "-www", "/index.html"]
    if client: cmd += ["-cert", client[0], "-key", client[1]]
    t = time.monotonic()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120).stdout
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(f"s_time against {port} hung: {e.stdout}") from e
    wall = time.monotonic() - t
    done = re.search(r"(\d+) connections in [\d.]+ real seconds, (\d+) bytes read per connection", out)
    # Every connection must have carried the whole page: a refused client completes its side of a TLS 1.3 handshake too.
    if not done or int(done.group(1)) == 0 or int(done.group(2)) < 1024:
        raise RuntimeError(f"s_time against {port} did not fetch the page:\n{out}")
    return int(done.group(1)) / wall, int(done.group(1))

def koi(binary, *args, env, data):
    r = subprocess.run([binary, *args, "--data-dir", data], capture_output=True, text=True, env=env, timeout=120)
    if r.returncode != 0: raise RuntimeError(f"koi {' '.join(args)} failed: {r.stdout}{r.stderr}")
    return r.stdout

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--koi", default=os.path.join(REPO, "artifacts/publish/koi"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    for tool in ("nginx", "openssl", "curl", "pgrep"):
        if not shutil.which(tool): sys.exit(f"{tool} missing (scripts/install-test-deps.sh)")
    binary = os.path.abspath(a.koi)
    backend, plain_port, mesh_port, api_port, s_plain, s_mtls = (free_port() for _ in range(6))
    procs, rounds = [], []
    with tempfile.TemporaryDirectory(prefix="koi-bench-mesh-") as tmp:
        try:
            os.chmod(tmp, 0o755)  # nginx workers (www-data) read the static file
            www = f"{tmp}/www"; os.makedirs(www)
            with open(f"{www}/index.html", "w") as f: f.write("<html>" + "koi " * 250 + "</html>\n")
            with open(f"{tmp}/backend.conf", "w") as f:
                f.write(f"worker_processes 1; daemon off; pid {tmp}/backend.pid; error_log {tmp}/backend.err warn;\n"
                        f"events {{}} http {{ access_log off; server {{ listen 127.0.0.1:{backend}; root {www}; }} }}\n")
            procs.append(start(["nginx", "-c", f"{tmp}/backend.conf", "-p", tmp]))
            data, env = f"{tmp}/koi-data", dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1")
            daemon = start([binary, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(api_port), "--data-dir", data,
                            "--log-level", "warn"], env=env); procs.append(daemon)
            wait_port(backend, procs[0], "backend nginx"); wait_port(api_port, daemon, "koi")
            for _ in range(100):
                if os.path.exists(f"{data}/daemon.json"): break
                time.sleep(0.05)
            passfile = f"{tmp}/pass"
            with open(os.open(passfile, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f: f.write(PASSPHRASE)
            koi(binary, "certmesh", "create", "--profile", "just-me", "--passphrase-file", passfile, "--json", env=env, data=data)
            host = os.listdir(f"{data}/certs")[0]
            certs = f"{data}/certs/{host}"
            member = (f"{certs}/cert.pem", f"{certs}/key.pem")
            crl = f"{data}/certmesh/crl.pem"
            for _ in range(100):
                if os.path.exists(crl): break
                time.sleep(0.05)
            for name, port, clients in (("plain", plain_port, "any"), ("mesh", mesh_port, "mesh")):
                koi(binary, "proxy", "add", name, "--listen", f"127.0.0.1:{port}", "--backend", f"http://127.0.0.1:{backend}",
                    "--cert-path", certs, "--clients", clients, "--json", env=env, data=data)
                wait_port(port, daemon, f"koi proxy {name}")
            tls = f"ssl_certificate {certs}/fullchain.pem; ssl_certificate_key {certs}/key.pem; root {www};"
            with open(f"{tmp}/peer.conf", "w") as f:
                f.write(f"worker_processes 1; daemon off; pid {tmp}/peer.pid; error_log {tmp}/peer.err warn;\n"
                        f"events {{}} http {{ access_log off;\n"
                        f"  server {{ listen 127.0.0.1:{s_plain} ssl; {tls} }}\n"
                        f"  server {{ listen 127.0.0.1:{s_mtls} ssl; {tls} ssl_verify_client on; ssl_client_certificate {certs}/ca.pem; ssl_crl {crl}; }} }}\n")
            procs.append(start(["nginx", "-c", f"{tmp}/peer.conf", "-p", tmp]))
            wait_port(s_plain, procs[-1], "nginx"); wait_port(s_mtls, procs[-1], "nginx ssl_verify_client")
            peer = workers(procs[-1].pid)
            targets = {
                "koi any": (plain_port, [daemon.pid], None),
                "koi mesh": (mesh_port, [daemon.pid], member),
                "nginx plain": (s_plain, peer, None),
                "nginx mTLS+CRL": (s_mtls, peer, member),
            }
            # Without a certificate the mesh entry must refuse, with one it must serve: otherwise this measures nothing.
            url = f"https://127.0.0.1:{mesh_port}/index.html"
            if subprocess.run(["curl", "-sfk", "-o", "/dev/null", url], timeout=30).returncode == 0:
                raise RuntimeError("koi's --clients mesh entry admitted a client without a certificate")
            subprocess.run(["curl", "-sfk", "-o", "/dev/null", "--cert", member[0], "--key", member[1], url], check=True, timeout=30)
            for name, (port, _, client) in targets.items():  # the same warm-up for all; koi's JIT needs it
                s_time(port, 3, client)
            names = list(targets)
            for r in range(a.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                load = os.getloadavg()[0]
                result = {}
                for n in order:
                    port, pids, client = targets[n]
                    before = cpu_seconds(pids)
                    try: rate, count = s_time(port, a.seconds, client)
                    except RuntimeError as e: raise RuntimeError(f"{n}: {e}") from e
                    result[n] = (rate, 1e6 * (cpu_seconds(pids) - before) / count)
                rounds.append((load, os.getloadavg()[0], result))
        finally:
            for p in reversed(procs): stop(p)

    print(f"nproc {os.cpu_count()}; openssl s_time -new, one connection at a time, {a.seconds} s per target, {a.rounds} rounds "
          "(targets in rotated order); every connection a full handshake and one GET of 1 KiB")
    for i, (load, end, result) in enumerate(rounds, 1):
        print(f"\nround {i}: load average {load:.2f} at the start, {end:.2f} at the end")
        print(f"{'':18}{'handshakes/s':>13}{'server CPU us/hs':>18}")
        for name, (rate, cpu) in result.items():
            print(f"{name:18}{rate:13.0f}{cpu:18.0f}")
    spread = lambda xs: f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"
    ratio = lambda n, d, i: [res[n][i] / res[d][i] for _, _, res in rounds]
    print("\nmedian [range] over the rounds:")
    print(f"koi mesh / koi any (what --clients mesh adds):        handshakes/s {spread(ratio('koi mesh', 'koi any', 0))}, "
          f"server CPU per handshake {spread(ratio('koi mesh', 'koi any', 1))}")
    print(f"nginx mTLS+CRL / nginx plain (the same for nginx):     handshakes/s {spread(ratio('nginx mTLS+CRL', 'nginx plain', 0))}, "
          f"server CPU per handshake {spread(ratio('nginx mTLS+CRL', 'nginx plain', 1))}")
    print(f"koi mesh / nginx mTLS+CRL:                             handshakes/s {spread(ratio('koi mesh', 'nginx mTLS+CRL', 0))}, "
          f"server CPU per handshake {spread(ratio('koi mesh', 'nginx mTLS+CRL', 1))}")

if __name__ == "__main__":
    main()
