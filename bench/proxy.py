#!/usr/bin/env python3
"""koi's TLS proxy next to nginx terminating TLS with the same certificate in front of the same backend, same run
(issue 9).

    python3 bench/proxy.py [--koi artifacts/publish/koi] [--seconds 10] [--rounds 3] [--connections 32] [--sni]

Loopback only, every process started here and stopped here by pid: a koi daemon with --no-mdns on 127.0.0.1 (its
trust stores untouched), a backend nginx serving a 1 KiB static file on 127.0.0.1, and nginx as TLS terminator twice:
the usual HTTP reverse proxy (proxy_pass with upstream keep-alive) and the stream module (a TLS-terminating TCP pipe,
koi's own design). All three present one ECDSA P-256 certificate made here with openssl.

wrk measures keep-alive throughput and latency (--latency: p50/p99) through each; wrk with "Connection: close"
measures new TLS handshakes per second (every request is a new connection and a full handshake: wrk never resumes
sessions); openssl s_time -reuse measures returning clients (one client, each connection resuming the first one's
TLS session: a ticket in TLS 1.3, no certificate signature, no full key exchange). Each round runs every target once, in a rotated order, so a change of load during the run hits all of
them alike; ratios are taken within a round and reported as median and range. Besides req/s, the CPU time each proxy
spent per request (its processes' utime + stime, from /proc) is reported: it moves much less with the machine's load
than req/s does. koi is warmed (JIT) with the same load first. Prints the load average of every round.

--sni adds "koi sni50": a second koi port shared by 50 entries (svc0 … svc49), wrk asking for svc37.lan by SNI, so
every new connection has its ClientHello read and its entry picked among 50 (issue 16); its req/s and handshakes/s are
printed as a ratio to the single-entry koi port of the same round. wrk resolves svc37.lan through a private /etc/hosts
(a mount namespace: needs root), so nothing outside this run sees the name.
"""
import argparse, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start(cmd, **kw):
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, **kw)

def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try: proc.wait(10)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

def wait_port(port, proc, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: " + proc.stderr.read().decode())
        try:
            socket.create_connection(("127.0.0.1", port), 1).close(); return
        except OSError: time.sleep(0.05)
    raise TimeoutError(f"{what} not listening on {port}")

SNI_ENTRIES, SNI_NAME = 50, "svc37.lan"

def certificates(tmp, names=("localhost",), sub="certs"):
    run = lambda *c: subprocess.run(c, check=True, capture_output=True)
    if not os.path.exists(f"{tmp}/ca.pem"): run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{tmp}/ca.key",
        "-out", f"{tmp}/ca.pem", "-days", "2", "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    certs = f"{tmp}/{sub}"; os.makedirs(certs)
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{certs}/key.pem",
        "-out", f"{tmp}/{sub}.csr", "-subj", f"/CN={names[0]}")
    with open(f"{tmp}/{sub}.ext", "w") as f:
        f.write("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + ",IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", f"{tmp}/{sub}.csr", "-CA", f"{tmp}/ca.pem", "-CAkey", f"{tmp}/ca.key", "-set_serial", "0x42",
        "-days", "2", "-extfile", f"{tmp}/{sub}.ext", "-out", f"{certs}/cert.pem")
    with open(f"{certs}/fullchain.pem", "w") as f:
        f.write(open(f"{certs}/cert.pem").read() + open(f"{tmp}/ca.pem").read())
    return certs

def nginx(tmp, name, body):
    conf = f"{tmp}/{name}.conf"
    with open(conf, "w") as f:
        f.write(f"""load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes auto; daemon off; master_process on; pid {tmp}/{name}.pid; error_log {tmp}/{name}.err warn;
events {{ worker_connections 4096; }}
{body}
""")
    return start(["nginx", "-c", conf, "-p", tmp])

def cpu_seconds(pids):
    """utime + stime of these processes, in seconds (threads included)."""
    ticks = 0
    for pid in pids:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")

def workers(master):
    """nginx's worker processes: the children of its master."""
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]

def measured(url, pids, seconds, connections, close=False, hosts=None):
    """wrk's figures plus the CPU microseconds the proxy's processes spent per request."""
    before = cpu_seconds(pids)
    rps, p50, p99, err, bad = wrk(url, seconds, connections, close, hosts)
    spent = cpu_seconds(pids) - before
    return rps, p50, p99, err, bad, 1e6 * spent / max(1.0, rps * seconds)

def resumed(port, pids, seconds):
    """openssl s_time -reuse (one client resuming one session): connections/s, CPU us per connection, share resumed."""
    before = cpu_seconds(pids)
    out = subprocess.run(["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-www", "/index.html", "-time", str(seconds), "-reuse"],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    spent = cpu_seconds(pids) - before
    count = int(re.findall(r"(\d+) connections in [\d.]+ real seconds", out)[-1])
    marks = out.split("starting", 1)[-1]
    return count / seconds, 1e6 * spent / max(1, count), marks.count("r") / max(1, marks.count("r") + marks.count("*"))

def wrk(url, seconds, connections, close=False, hosts=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", url]
    if close: cmd[1:1] = ["-H", "Connection: close"]
    if hosts:  # wrk sends the URL's host as SNI and resolves it: a private /etc/hosts names it 127.0.0.1
        cmd = ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /etc/hosts && exec "$@"', hosts] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    unit = lambda v, u: float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
    p50 = unit(*re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups())
    p99 = unit(*re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups())
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, (errors.group(1) if errors else "none"), int(non2xx.group(1)) if non2xx else 0

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--koi", default=os.path.join(REPO, "artifacts/publish/koi"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--inline-completions", action="store_true", help="run koi with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1")
    ap.add_argument("--sni", action="store_true", help=f"also measure a port shared by {SNI_ENTRIES} entries, chosen by SNI (needs root)")
    a = ap.parse_args()
    if a.sni and (os.geteuid() != 0 or not shutil.which("unshare")): sys.exit("--sni needs root and unshare (a private /etc/hosts for wrk)")
    for tool in ("wrk", "nginx", "openssl", "pgrep"):
        if not shutil.which(tool): sys.exit(f"{tool} missing (scripts/install-test-deps.sh)")
    if not os.path.exists("/usr/lib/nginx/modules/ngx_stream_module.so"): sys.exit("nginx stream module missing (libnginx-mod-stream)")
    koi = os.path.abspath(a.koi)
    backend, koi_port, http_port, stream_port, api_port, sni_port = (free_port() for _ in range(6))
    procs = []
    rounds = []
    with tempfile.TemporaryDirectory(prefix="koi-bench-proxy-") as tmp:
        try:
            os.chmod(tmp, 0o755)  # nginx workers (www-data) read the static file
            certs = certificates(tmp)
            os.makedirs(f"{tmp}/www")
            with open(f"{tmp}/www/index.html", "w") as f: f.write("<html>" + "koi " * 250 + "</html>\n")
            ssl = f"ssl_certificate {certs}/fullchain.pem; ssl_certificate_key {certs}/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
            procs.append(nginx(tmp, "backend", f"""http {{ access_log off; server {{ listen 127.0.0.1:{backend}; root {tmp}/www; }} }}"""))
            procs.append(nginx(tmp, "terminators", f"""
http {{ access_log off;
  upstream be {{ server 127.0.0.1:{backend}; keepalive 64; }}
  server {{ listen 127.0.0.1:{http_port} ssl; {ssl}
           location / {{ proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }} }} }}
stream {{ server {{ listen 127.0.0.1:{stream_port} ssl; {ssl} proxy_pass 127.0.0.1:{backend}; }} }}"""))
            data = f"{tmp}/koi-data"
            env = dict(os.environ, KOI_CERTMESH_NO_TRUST_STORES="1")
            if a.inline_completions: env["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1"
            daemon = start([koi, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(api_port), "--data-dir", data,
                            "--log-level", "warn"], env=env); procs.append(daemon)
            for port, proc, what in ((backend, procs[0], "backend nginx"), (http_port, procs[1], "nginx"), (api_port, daemon, "koi")):
                wait_port(port, proc, what)
            for _ in range(100):
                if os.path.exists(f"{data}/daemon.json"): break
                time.sleep(0.05)
            add = subprocess.run([koi, "proxy", "add", "bench", "--listen", f"127.0.0.1:{koi_port}", "--backend", f"http://127.0.0.1:{backend}",
                                  "--cert-path", certs, "--json", "--data-dir", data], capture_output=True, text=True, env=env)
            if add.returncode != 0: raise RuntimeError("koi proxy add failed: " + add.stdout + add.stderr)
            wait_port(koi_port, daemon, "koi proxy")
            hosts = None
            if a.sni:
                sni_certs = certificates(tmp, [f"svc{i}.lan" for i in range(SNI_ENTRIES)], "sni-certs")
                for i in range(SNI_ENTRIES):
                    add = subprocess.run([koi, "proxy", "add", f"svc{i}", "--listen", f"127.0.0.1:{sni_port}", "--backend", f"http://127.0.0.1:{backend}",
                                          "--cert-path", sni_certs, "--no-alias", "--json", "--data-dir", data], capture_output=True, text=True, env=env)
                    if add.returncode != 0: raise RuntimeError("koi proxy add failed: " + add.stdout + add.stderr)
                hosts = f"{tmp}/hosts"
                with open(hosts, "w") as f: f.write(f"127.0.0.1 localhost {SNI_NAME}\n")

            # The two nginx terminators share one nginx: while one is measured the other is idle, so its workers' CPU
            # is the measured one's.
            terminators = workers(procs[1].pid)
            targets = {"koi": (koi_port, [daemon.pid]), "nginx http": (http_port, terminators), "nginx stream": (stream_port, terminators)}
            if a.sni: targets["koi sni50"] = (sni_port, [daemon.pid])
            url = lambda name: f"https://{SNI_NAME if name == 'koi sni50' else '127.0.0.1'}:{targets[name][0]}/index.html"
            via = lambda name: hosts if name == "koi sni50" else None
            for name in targets:  # the same warm-up for all; koi's JIT needs it
                wrk(url(name), 3, a.connections, hosts=via(name)); wrk(url(name), 2, 8, close=True, hosts=via(name))
            names = list(targets)
            for r in range(a.rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                load = os.getloadavg()[0]
                keep = {n: measured(url(n), targets[n][1], a.seconds, a.connections, hosts=via(n)) for n in order}
                fresh = {n: measured(url(n), targets[n][1], a.seconds, 8, close=True, hosts=via(n)) for n in order}
                back = {n: resumed(targets[n][0], targets[n][1], a.seconds) for n in order if n != "koi sni50"}
                rounds.append((load, (load + os.getloadavg()[0]) / 2, keep, fresh, back))
            token = json.load(open(f"{data}/daemon.json"))["token"]  # every management route needs it
            status = urllib.request.Request(f"http://127.0.0.1:{api_port}/v1/proxy/status", headers={"x-koi-token": token})
            with urllib.request.urlopen(status, timeout=5) as r:
                entry = next(e for e in json.load(r)["entries"] if e["name"] == "bench")
            rss = int(re.search(r"VmRSS:\s+(\d+)", open(f"/proc/{daemon.pid}/status").read()).group(1)) // 1024
        finally:
            for p in reversed(procs): stop(p)

    print(f"nproc {os.cpu_count()}; wrk -t2, {a.seconds} s per run, {a.rounds} rounds (targets in rotated order); "
          f"keep-alive with {a.connections} connections, new connections with 8"
          + ("; koi with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1" if a.inline_completions else ""))
    for i, (load, mean_load, keep, fresh, back) in enumerate(rounds, 1):
        print(f"\nround {i}: load average {load:.2f} at the start, {mean_load:.2f} mean of start and end")
        print(f"{'':14}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'us/req':>8}  {'handshakes/s':>12}{'p99 ms':>8}{'us/hs':>8}  errors")
        for name in keep:
            rps, p50, p99, err, bad, cpu = keep[name]
            hps, _, hp99, herr, hbad, hcpu = fresh[name]
            print(f"{name:14}{rps:9.0f}{p50:8.2f}{p99:8.2f}{cpu:8.1f}  {hps:12.0f}{hp99:8.2f}{hcpu:8.0f}  "
                  f"keep-alive: {err}, {bad} non-2xx; new: {herr}, {hbad} non-2xx")
        for name, (cps, cpu, share) in back.items():
            print(f"{name:14}resumed (openssl s_time -reuse, 1 client): {cps:6.0f} connections/s, {cpu:4.0f} us CPU each, {share:.0%} resumed")
    print("\nkoi / nginx, median [range] over the rounds (req/s and handshakes/s: higher is better for koi; CPU per request: lower):")
    spread = lambda xs: f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"
    for other in ("nginx http", "nginx stream"):
        rps = [k["koi"][0] / k[other][0] for _, _, k, _, _ in rounds]
        hps = [f["koi"][0] / f[other][0] for _, _, _, f, _ in rounds]
        cpu = [k["koi"][5] / k[other][5] for _, _, k, _, _ in rounds]
        hcpu = [f["koi"][5] / f[other][5] for _, _, _, f, _ in rounds]
        res = [b["koi"][0] / b[other][0] for _, _, _, _, b in rounds]
        rcpu = [b["koi"][1] / b[other][1] for _, _, _, _, b in rounds]
        print(f"koi / {other:12}: req/s {spread(rps)} (target >= 1.2), handshakes/s {spread(hps)}, CPU per keep-alive request {spread(cpu)}, "
              f"CPU per new handshake {spread(hcpu)}; resumed connections/s {spread(res)} (target >= 1.0), CPU per resumed connection {spread(rcpu)}")
    if a.sni:
        rps = [k["koi sni50"][0] / k["koi"][0] for _, _, k, _, _ in rounds]
        hps = [f["koi sni50"][0] / f["koi"][0] for _, _, _, f, _ in rounds]
        cpu = [k["koi sni50"][5] / k["koi"][5] for _, _, k, _, _ in rounds]
        hcpu = [f["koi sni50"][5] / f["koi"][5] for _, _, _, f, _ in rounds]
        print(f"koi sni50 / koi (same daemon, {SNI_ENTRIES} entries on one port chosen by SNI vs one entry): req/s {spread(rps)}, "
              f"handshakes/s {spread(hps)} (target within 5 %: 0.95-1.05); CPU per keep-alive request {spread(cpu)}, "
              f"CPU per handshake {spread(hcpu)}")
    print(f"koi proxy status: {entry['connections_total']} connections, {entry['handshake_failures']} handshake failures, "
          f"{entry['backend_failures']} backend failures; daemon RSS after the run {rss} MiB")

if __name__ == "__main__":
    main()
