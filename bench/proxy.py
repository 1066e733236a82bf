#!/usr/bin/env python3
"""koi's TLS proxy next to nginx terminating TLS with the same certificate in front of the same backend, measured from
another machine of the lab over its veth, in one run (issues 9 and 18). Needs root (the lab).

    python3 bench/proxy.py [--koi artifacts/publish/koi] [--seconds 8] [--rounds 3] [--connections 32] [--sni]
                           [--baseline PATH]   # another koi build (e.g. main's), measured in the same rounds

The lab "bench-proxy" has two hosts (docs/testing.md): stone-a (10.77.0.11) is the server, stone-b (10.77.0.12) the
client. On stone-a, every process started here and stopped with the lab:
- the koi daemon users run, all capabilities on (mDNS included: it is the lab's LAN), with one proxy entry
  `bench` on 10.77.0.11:9443;
- nginx as TLS terminator twice, `worker_processes auto`: the usual HTTP reverse proxy (`proxy_pass` with upstream
  keep-alive) on :8443 and the stream module (a TLS-terminating TCP pipe, koi's own design) on :8444;
- one backend nginx serving a 1 KiB static file on 127.0.0.1:8080, behind all three.
All three present one ECDSA P-256 certificate made here with openssl. On stone-b: wrk and openssl s_time.
With --baseline, stone-c (10.77.0.13) runs that koi build the same way (its own daemon, entry and backend nginx on its
own loopback), measured as "koi-base" in the same rounds: "koi / koi-base" is the before/after of a change.

Per target and round:
- keep-alive: wrk -t2 with --connections connections: req/s, p50/p99, CPU per request, context switches per request;
- new connections, full handshakes: wrk with "Connection: close", 8 connections (every request a new connection and
  a full handshake: wrk never resumes sessions): handshakes/s and CPU per handshake;
- returning clients: 8 `openssl s_time -reuse` at once (each resumes its first session on every connection: a TLS
  1.3 ticket, no certificate signature, no full key exchange): connections/s, CPU per connection, share resumed.
CPU is the proxy's processes' utime + stime from /proc (koi: the daemon; nginx: the terminators' workers) divided by
the requests completed: it moves much less with the machine's load than req/s does. Each round runs every target
once in a rotated order, so a change of load during the run hits all of them alike; ratios are taken within a round
and reported as median [range], with the issue's targets and whether the median meets them.

--sni adds "koi sni50": a second koi port (:9444) shared by 50 entries (svc0 … svc49), wrk asking for svc37.lan
(stone-b's /etc/hosts names it), so every new connection has its ClientHello read and its entry picked among 50
(issue 16), and "nginx sni50": the nginx http terminator with the same 50 names as 50 `server` blocks on one port
(:8445, nginx picks the block by SNI), each proxying to the same backend with upstream keep-alive. Printed: koi sni50 /
nginx sni50 against the issue's targets, and koi sni50 / koi (the shared port against the dedicated one, same
daemon). With --baseline, "koi-base sni50" is the baseline's own 50-entry port (wrk asks for svc37-stone-c.lan, the
name of that machine's instance, so the same SNI lookup runs), and "koi sni50 / koi-base sni50" is the before/after.
For the koi targets the bench also reads the daemon's koi_process_allocated_bytes_total before and after each run:
managed bytes allocated per request / per new connection ("B/req", "B/hs"). Returning clients (s_time) are not
measured on the SNI ports: openssl s_time sends no server name.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time

from benchproc import context_switches, cpu_seconds, describe_memory, koi_memory, workers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAB = "bench-proxy"
SERVER, CLIENT, SERVER_IP = "stone-a", "stone-b", "10.77.0.11"
BASE_HOST, BASE_IP = "stone-c", "10.77.0.13"
BACKEND, KOI_PORT, SNI_PORT, HTTP_PORT, STREAM_PORT, NGINX_SNI_PORT = 8080, 9443, 9444, 8443, 8444, 8445
SNI_ENTRIES, SNI_NAME, BASE_SNI_NAME = 50, "svc37.lan", f"svc37-{BASE_HOST}.lan"
# koi sni50 / koi: a shared port should cost what a dedicated one does, within 5 %.
SNI_WITHIN = 0.05
NEW_CONNECTIONS, RESUMING_CLIENTS = 8, 8
# The targets: koi / nginx http, at the median of the rounds.
TARGET_KEEPALIVE, TARGET_HANDSHAKES = 1.2, 1.0


def lab(*args, check=True, timeout=120):
    r = subprocess.run([os.path.join(REPO, "scripts/lab"), "--name", LAB, *args], capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed ({r.returncode}): {r.stdout}{r.stderr}")
    return r.stdout


def on(host, *cmd, timeout=60):
    return lab("run", host, "--timeout", str(timeout), "--", *cmd, timeout=timeout + 10)


def certificates(tmp, names, sub):
    run = lambda *c: subprocess.run(c, check=True, capture_output=True)
    if not os.path.exists(f"{tmp}/ca.pem"): run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{tmp}/ca.key",
        "-out", f"{tmp}/ca.pem", "-days", "2", "-subj", "/CN=bench CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign")
    certs = f"{tmp}/{sub}"; os.makedirs(certs)
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{certs}/key.pem",
        "-out", f"{tmp}/{sub}.csr", "-subj", f"/CN={names[0]}")
    with open(f"{tmp}/{sub}.ext", "w") as f:
        f.write("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + f",IP:{SERVER_IP}\nextendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", f"{tmp}/{sub}.csr", "-CA", f"{tmp}/ca.pem", "-CAkey", f"{tmp}/ca.key", "-set_serial", "0x42",
        "-days", "2", "-extfile", f"{tmp}/{sub}.ext", "-out", f"{certs}/cert.pem")
    with open(f"{certs}/fullchain.pem", "w") as f:
        f.write(open(f"{certs}/cert.pem").read() + open(f"{tmp}/ca.pem").read())
    return certs


def nginx(tmp, name, body, host=SERVER):
    """Starts nginx (worker_processes auto) on host; returns its master's pid."""
    conf = f"{tmp}/{name}.conf"
    with open(conf, "w") as f:
        f.write(f"""load_module /usr/lib/nginx/modules/ngx_stream_module.so;
worker_processes auto; daemon off; master_process on; pid {tmp}/{name}.pid; error_log {tmp}/{name}.err warn;
events {{ worker_connections 4096; }}
{body}
""")
    return int(lab("bg", host, name, "--", "nginx", "-c", conf, "-p", tmp).strip())


def wait_listening(port, what, timeout=30, host=SERVER):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f":{port} " in on(host, "ss", "-Htln"):
            return
        time.sleep(0.2)
    raise TimeoutError(f"{what} not listening on :{port} on {host}")


def koi(binary, *args, host=SERVER):
    out = on(host, "env", "KOI_DATA_DIR=/var/lib/koi", "KOI_CERTMESH_NO_TRUST_STORES=1", binary, *args, timeout=120)
    return out


def start_koi(tmp, binary, host, ip, certs, env=()):
    """The daemon users run, all capabilities on, with the entry `bench` in front of host's backend; its pid."""
    daemon = int(lab("bg", host, "koi", "--", "env", "KOI_DATA_DIR=/var/lib/koi", "KOI_CERTMESH_NO_TRUST_STORES=1", *env,
                     binary, "daemon", "--data-dir", "/var/lib/koi", "--log-level", "warn").strip())
    wait_listening(5641, "koi", host=host)
    koi(binary, "proxy", "add", "bench", "--listen", f"{ip}:{KOI_PORT}", "--backend", f"http://127.0.0.1:{BACKEND}",
        "--cert-path", certs, "--json", host=host)
    wait_listening(KOI_PORT, "koi proxy", host=host)
    return daemon


def wrk(url, seconds, connections, close=False):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", url]
    if close: cmd[1:1] = ["-H", "Connection: close"]
    out = on(CLIENT, *cmd, timeout=seconds + 30)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    unit = lambda v, u: float(v) * {"us": 0.001, "ms": 1, "s": 1000}[u]
    p50 = unit(*re.search(r"50%\s+([\d.]+)(us|ms|s)", out).groups())
    p99 = unit(*re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups())
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, (errors.group(1) if errors else "none"), int(non2xx.group(1)) if non2xx else 0


def allocated(host):
    """A koi daemon's managed bytes allocated so far (its /metrics), or None for another program."""
    if host is None: return None
    m = re.search(r"^koi_process_allocated_bytes_total\s+([\d.e+]+)", on(host, "curl", "-sf", "http://127.0.0.1:5641/metrics"), re.M)
    return float(m.group(1)) if m else None


def measured(url, pids, seconds, connections, close=False, koi_host=None):
    """wrk's figures plus what the proxy's processes spent per request: CPU microseconds and context switches, and
    for a koi daemon (koi_host) the managed bytes it allocated per request (read outside the CPU window)."""
    a0 = allocated(koi_host)
    cpu0, cs0 = cpu_seconds(pids), context_switches(pids)
    rps, p50, p99, err, bad = wrk(url, seconds, connections, close)
    requests = max(1.0, rps * seconds)
    cpu, cs = 1e6 * (cpu_seconds(pids) - cpu0) / requests, (context_switches(pids) - cs0) / requests
    a1 = allocated(koi_host)
    return rps, p50, p99, err, bad, cpu, cs, (a1 - a0) / requests if a0 is not None and a1 is not None else None


def resumed(ip, port, pids, seconds, tmp):
    """RESUMING_CLIENTS x openssl s_time -reuse at once: connections/s, CPU us per connection, share resumed."""
    out = f"{tmp}/s_time"
    script = (f"for i in $(seq {RESUMING_CLIENTS}); do openssl s_time -connect {ip}:{port} -www /index.html "
              f"-time {seconds} -reuse > {out}.$i 2>&1 & done; wait")
    before = cpu_seconds(pids)
    on(CLIENT, "sh", "-c", script, timeout=seconds + 60)
    spent = cpu_seconds(pids) - before
    count = reused = fresh = 0
    for i in range(1, RESUMING_CLIENTS + 1):
        text = open(f"{out}.{i}").read()
        count += int(re.findall(r"(\d+) connections in [\d.]+ real seconds", text)[-1])
        # The reuse part prints one mark per connection after "starting": "r" resumed, "*" a new session.
        marks = text.split("starting", 1)[-1].split("\n", 2)[1] if "starting" in text else ""
        reused += marks.count("r"); fresh += marks.count("*")
    return count / seconds, 1e6 * spent / max(1, count), reused / max(1, reused + fresh)


def spread(xs):
    return f"{statistics.median(xs):.2f} [{min(xs):.2f}-{max(xs):.2f}]"


def verdict(xs, target):
    return f"{'met' if statistics.median(xs) >= target else 'NOT met'} (target >= {target})"


def within(xs, tolerance, lower_is_better=False):
    """Met when the median is no worse than 1 -/+ tolerance (a ratio to the dedicated port)."""
    m = statistics.median(xs)
    ok = m <= 1 + tolerance if lower_is_better else m >= 1 - tolerance
    return f"{'met' if ok else 'NOT met'} (target {'<=' if lower_is_better else '>='} {1 + tolerance if lower_is_better else 1 - tolerance:.2f})"


def add_sni_entries(binary, host, ip, certs):
    for i in range(SNI_ENTRIES):
        koi(binary, "proxy", "add", f"svc{i}", "--listen", f"{ip}:{SNI_PORT}", "--backend", f"http://127.0.0.1:{BACKEND}",
            "--cert-path", certs, "--no-alias", "--json", host=host)
    wait_listening(SNI_PORT, "koi proxy (SNI)", host=host)


def main():
    global LAB
    ap = argparse.ArgumentParser()
    ap.add_argument("--koi", default=os.path.join(REPO, "artifacts/publish/koi"))
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--sni", action="store_true", help=f"also measure a port shared by {SNI_ENTRIES} entries, chosen by SNI")
    ap.add_argument("--baseline", help="another koi build (e.g. main's), measured the same way on stone-c in the same "
                    "rounds as 'koi-base'")
    ap.add_argument("--koi-env", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the --koi daemon (not koi-base's), e.g. DOTNET_GCGen0MaxBudget=10000000 (repeatable)")
    ap.add_argument("--lab", default=LAB, help=f"the lab's name (default {LAB}; another while someone keeps that one up)")
    ap.add_argument("--keep-lab", action="store_true", help="leave the lab up afterwards (for perf); take it down with "
                    f"scripts/lab --name {LAB} down")
    a = ap.parse_args()
    LAB = a.lab
    if os.geteuid() != 0: sys.exit("needs root (the lab's namespaces)")
    for tool in ("wrk", "nginx", "openssl", "pgrep"):
        if not shutil.which(tool): sys.exit(f"{tool} missing (scripts/install-test-deps.sh)")
    if not os.path.exists("/usr/lib/nginx/modules/ngx_stream_module.so"): sys.exit("nginx stream module missing (libnginx-mod-stream)")
    binary = os.path.abspath(a.koi)
    baseline = os.path.abspath(a.baseline) if a.baseline else None
    for b in filter(None, (binary, baseline)):
        if not os.access(b, os.X_OK): sys.exit(f"{b} is not executable")
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    rounds = []
    lab("down", check=False)
    tmp = tempfile.mkdtemp(prefix="koi-bench-proxy-")
    try:
        os.chmod(tmp, 0o755)  # nginx workers (www-data) read the static file
        lab("up", "3" if baseline else "2")
        certs = certificates(tmp, ["localhost"], "certs")
        os.makedirs(f"{tmp}/www")
        with open(f"{tmp}/www/index.html", "w") as f: f.write("<html>" + "koi " * 250 + "</html>\n")
        ssl = f"ssl_certificate {certs}/fullchain.pem; ssl_certificate_key {certs}/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
        nginx(tmp, "backend", f"http {{ access_log off; server {{ listen 127.0.0.1:{BACKEND}; root {tmp}/www; }} }}")
        sni_blocks = ""
        if a.sni:
            # The same 50 names as koi's shared port, one server block each, chosen by SNI; one certificate naming all.
            sni_certs = certificates(tmp, [f"svc{i}.lan" for i in range(SNI_ENTRIES)], "sni-certs")
            sni_ssl = f"ssl_certificate {sni_certs}/fullchain.pem; ssl_certificate_key {sni_certs}/key.pem; ssl_protocols TLSv1.2 TLSv1.3;"
            sni_blocks = "".join(f"""
  server {{ listen {SERVER_IP}:{NGINX_SNI_PORT} ssl; server_name svc{i}.lan; {sni_ssl}
           location / {{ proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}""" for i in range(SNI_ENTRIES))
        terminators_master = nginx(tmp, "terminators", f"""
http {{ access_log off;
  upstream be {{ server 127.0.0.1:{BACKEND}; keepalive 64; }}
  server {{ listen {SERVER_IP}:{HTTP_PORT} ssl; {ssl}
           location / {{ proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; }} }}{sni_blocks} }}
stream {{ server {{ listen {SERVER_IP}:{STREAM_PORT} ssl; {ssl} proxy_pass 127.0.0.1:{BACKEND}; }} }}""")
        for port, what in ((BACKEND, "backend nginx"), (HTTP_PORT, "nginx")):
            wait_listening(port, what)
        daemon = start_koi(tmp, binary, SERVER, SERVER_IP, certs, a.koi_env)
        if baseline:
            nginx(tmp, "backend-base", f"http {{ access_log off; server {{ listen 127.0.0.1:{BACKEND}; root {tmp}/www; }} }}", BASE_HOST)
            wait_listening(BACKEND, "backend nginx", host=BASE_HOST)
            base_daemon = start_koi(tmp, baseline, BASE_HOST, BASE_IP, certs)
        memory = {"koi": [koi_memory(on(SERVER, "curl", "-sf", "http://127.0.0.1:5641/metrics"), daemon)]}
        if baseline:
            memory["koi-base"] = [koi_memory(on(BASE_HOST, "curl", "-sf", "http://127.0.0.1:5641/metrics"), base_daemon)]
        if a.sni:
            add_sni_entries(binary, SERVER, SERVER_IP, sni_certs)
            on(CLIENT, "sh", "-c", f"echo '{SERVER_IP} {SNI_NAME}' >> /etc/hosts")
            if baseline:
                add_sni_entries(baseline, BASE_HOST, BASE_IP, sni_certs)
                on(CLIENT, "sh", "-c", f"echo '{BASE_IP} {BASE_SNI_NAME}' >> /etc/hosts")

        # The two nginx terminators share one nginx: while one is measured the other is idle, so its workers' CPU
        # is the measured one's.
        terminators = workers(terminators_master)
        targets = {"koi": (KOI_PORT, [daemon]), "nginx http": (HTTP_PORT, terminators), "nginx stream": (STREAM_PORT, terminators)}
        if a.sni: targets.update({"koi sni50": (SNI_PORT, [daemon]), "nginx sni50": (NGINX_SNI_PORT, terminators)})
        if baseline: targets["koi-base"] = (KOI_PORT, [base_daemon])
        if baseline and a.sni: targets["koi-base sni50"] = (SNI_PORT, [base_daemon])
        sni_names = {"koi sni50": SNI_NAME, "nginx sni50": SNI_NAME, "koi-base sni50": BASE_SNI_NAME}
        ip = lambda name: BASE_IP if name.startswith("koi-base") else SERVER_IP
        koi_host = lambda name: (BASE_HOST if name.startswith("koi-base") else SERVER) if name.startswith("koi") else None
        url = lambda name: f"https://{sni_names.get(name, ip(name))}:{targets[name][0]}/index.html"
        for name in targets:  # the same warm-up for all (pools, caches; the AOT binary has no JIT to warm)
            wrk(url(name), 2, a.connections); wrk(url(name), 2, NEW_CONNECTIONS, close=True)
        names = list(targets)
        for r in range(a.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            load = os.getloadavg()[0]
            keep = {n: measured(url(n), targets[n][1], a.seconds, a.connections, koi_host=koi_host(n)) for n in order}
            fresh = {n: measured(url(n), targets[n][1], a.seconds, NEW_CONNECTIONS, close=True, koi_host=koi_host(n)) for n in order}
            back = {n: resumed(ip(n), targets[n][0], targets[n][1], a.seconds, tmp) for n in order if n not in sni_names}
            rounds.append((load, (load + os.getloadavg()[0]) / 2, keep, fresh, back))
        status = {}
        for name, b, host, pid in (("koi", binary, SERVER, daemon),) + ((("koi-base", baseline, BASE_HOST, base_daemon),) if baseline else ()):
            entry = next(e for e in json.loads(koi(b, "proxy", "status", "--json", host=host))["entries"] if e["name"] == "bench")
            memory[name].append(koi_memory(on(host, "curl", "-sf", "http://127.0.0.1:5641/metrics"), pid))
            status[name] = entry
        if a.keep_lab:
            print(f"lab kept: koi daemon pid {daemon}" + (f", koi-base pid {base_daemon}" if baseline else "")
                  + f", nginx terminator workers {terminators}; files in {tmp}", file=sys.stderr)
    finally:
        if not a.keep_lab:
            lab("down", check=False)
            shutil.rmtree(tmp, ignore_errors=True)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()

    print(f"lab {LAB}: server {SERVER} ({SERVER_IP}: koi daemon, nginx, backend nginx), client {CLIENT} (wrk, openssl s_time) "
          f"over the lab's veth; nproc {os.cpu_count()} shared by all; koi {binary}"
          + (f"; koi-base {baseline} on {BASE_HOST} ({BASE_IP}, its own backend nginx)" if baseline else ""))
    print(f"wrk -t2, {a.seconds} s per run, {a.rounds} rounds (targets in rotated order); keep-alive with {a.connections} "
          f"connections, new connections with {NEW_CONNECTIONS}, returning clients {RESUMING_CLIENTS} x s_time -reuse")
    print(f"uptime before: {uptime_before}\nuptime after:  {uptime_after}")
    for i, (load, mean_load, keep, fresh, back) in enumerate(rounds, 1):
        print(f"\nround {i}: load average {load:.2f} at the start, {mean_load:.2f} mean of start and end")
        print(f"{'':16}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'us/req':>8}{'cs/req':>8}{'B/req':>7}  {'handshakes/s':>12}{'p99 ms':>8}{'us/hs':>8}{'B/hs':>7}  errors")
        b = lambda v: f"{v:7.0f}" if v is not None else f"{'-':>7}"
        for name in keep:
            rps, p50, p99, err, bad, cpu, cs, alloc = keep[name]
            hps, _, hp99, herr, hbad, hcpu, _, halloc = fresh[name]
            print(f"{name:16}{rps:9.0f}{p50:8.2f}{p99:8.2f}{cpu:8.1f}{cs:8.2f}{b(alloc)}  {hps:12.0f}{hp99:8.2f}{hcpu:8.0f}{b(halloc)}  "
                  f"keep-alive: {err}, {bad} non-2xx; new: {herr}, {hbad} non-2xx")
        for name, (cps, cpu, share) in back.items():
            print(f"{name:14}returning clients: {cps:6.0f} connections/s, {cpu:4.0f} us CPU each, {share:.0%} resumed")

    print("\nkoi / nginx, median [range] over the rounds (throughput: higher is better for koi; CPU: lower):")
    col = lambda table, n, d, i: [rd[table][n][i] / rd[table][d][i] for rd in rounds]
    K, F, B = 2, 3, 4
    kois = ["koi"] + (["koi-base"] if baseline else [])
    pairs = [(k, o) for k in kois for o in ("nginx http", "nginx stream")] + ([("koi", "koi-base")] if baseline else [])
    for mine, other in pairs:
        print(f"{mine} / {other}:")
        print(f"  keep-alive req/s            {spread(col(K, mine, other, 0))}   CPU per request   {spread(col(K, mine, other, 5))}")
        print(f"  new handshakes/s (full)     {spread(col(F, mine, other, 0))}   CPU per handshake {spread(col(F, mine, other, 5))}")
        print(f"  returning clients conn/s    {spread(col(B, mine, other, 0))}   CPU per connection {spread(col(B, mine, other, 1))}")
    for mine in kois:
        print(f"\ntargets (issue 18, {mine} / nginx http at the median of the rounds):")
        print(f"  keep-alive req/s                               {spread(col(K, mine, 'nginx http', 0))}  {verdict(col(K, mine, 'nginx http', 0), TARGET_KEEPALIVE)}")
        print(f"  new TLS handshakes/s, returning clients resume {spread(col(B, mine, 'nginx http', 0))}  {verdict(col(B, mine, 'nginx http', 0), TARGET_HANDSHAKES)}")
        print(f"  new TLS handshakes/s, full (no resumption)     {spread(col(F, mine, 'nginx http', 0))}  {verdict(col(F, mine, 'nginx http', 0), TARGET_HANDSHAKES)}")
    if a.sni:
        median = lambda xs: statistics.median(xs)
        us = lambda table, n, i: f"{median([rd[table][n][i] for rd in rounds]):.1f}"
        print(f"\nshared port, {SNI_ENTRIES} entries chosen by SNI (median [range] over the rounds):")
        for mine in ["koi sni50"] + (["koi-base sni50"] if baseline else []):
            print(f"{mine} / nginx sni50 (nginx http, the same {SNI_ENTRIES} names as server blocks on one port):")
            print(f"  keep-alive req/s            {spread(col(K, mine, 'nginx sni50', 0))}  {verdict(col(K, mine, 'nginx sni50', 0), TARGET_KEEPALIVE)}   "
                  f"CPU per request   {spread(col(K, mine, 'nginx sni50', 5))}")
            print(f"  new handshakes/s (full)     {spread(col(F, mine, 'nginx sni50', 0))}  {verdict(col(F, mine, 'nginx sni50', 0), TARGET_HANDSHAKES)}   "
                  f"CPU per handshake {spread(col(F, mine, 'nginx sni50', 5))}")
        for mine, dedicated in [("koi sni50", "koi")] + ([("koi-base sni50", "koi-base")] if baseline else []):
            print(f"{mine} / {dedicated} (same daemon, shared port vs its dedicated one; target within {SNI_WITHIN:.0%}):")
            print(f"  keep-alive req/s            {spread(col(K, mine, dedicated, 0))}  {within(col(K, mine, dedicated, 0), SNI_WITHIN)}   "
                  f"CPU per request   {spread(col(K, mine, dedicated, 5))}  {within(col(K, mine, dedicated, 5), SNI_WITHIN, True)}")
            print(f"  new handshakes/s (full)     {spread(col(F, mine, dedicated, 0))}  {within(col(F, mine, dedicated, 0), SNI_WITHIN)}   "
                  f"CPU per handshake {spread(col(F, mine, dedicated, 5))}  {within(col(F, mine, dedicated, 5), SNI_WITHIN, True)}")
        if baseline:
            print("koi sni50 / koi-base sni50 (this build against the baseline, each on its own 50-entry port; CPU: lower is better):")
            print(f"  keep-alive req/s            {spread(col(K, 'koi sni50', 'koi-base sni50', 0))}   CPU per request   {spread(col(K, 'koi sni50', 'koi-base sni50', 5))}")
            print(f"  new handshakes/s (full)     {spread(col(F, 'koi sni50', 'koi-base sni50', 0))}   CPU per handshake {spread(col(F, 'koi sni50', 'koi-base sni50', 5))}")
        for n in [t for t in targets if t.startswith("koi")]:
            allocs = [rd[F][n][7] for rd in rounds if rd[F][n][7] is not None]
            kallocs = [rd[K][n][7] for rd in rounds if rd[K][n][7] is not None]
            if allocs:
                print(f"{n}: median CPU {us(F, n, 5)} us per new connection, {median(allocs):.0f} managed bytes allocated per new connection, "
                      f"{median(kallocs):.1f} per keep-alive request")
    for name, entry in status.items():
        print(f"{name} proxy status: {entry['connections_total']} connections, {entry['handshake_failures']} handshake failures, "
              f"{entry['backend_failures']} backend failures")
        env = f" ({' '.join(a.koi_env)})" if name == "koi" and a.koi_env else ""
        print(f"{name} daemon{env} before the run: {describe_memory(memory[name][0])}")
        print(f"{name} daemon after the run:  {describe_memory(memory[name][1])}")


if __name__ == "__main__":
    main()
