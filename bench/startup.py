#!/usr/bin/env python3
"""Start-up, shutdown and idle-memory figures of the published koi binary, next to nginx measured the same way
in the same run (a real, small, C daemon as the yardstick). Loopback only; every process started here is
stopped here, by pid.

    python3 bench/startup.py [--koi artifacts/publish/koi] [--runs 10]
"""
import argparse, http.client, os, signal, socket, statistics, subprocess, tempfile, time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def wait_ready(port, path, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.002)
    raise TimeoutError("not ready")

def rss_kib(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []

def measure(start, path, runs, idle_secs):
    ready, stop, rss = [], [], []
    for i in range(runs):
        port = free_port()
        t0 = time.monotonic()
        proc, cleanup = start(port)
        try:
            wait_ready(port, path, proc)
            ready.append(time.monotonic() - t0)
            if i == 0:
                time.sleep(idle_secs)
                rss.append(rss_kib([proc.pid] + children(proc.pid)))
            t1 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)
            stop.append(time.monotonic() - t1)
        finally:
            if proc.poll() is None:
                proc.kill(); proc.wait()
            cleanup()
    return statistics.median(ready), max(ready), statistics.median(stop), max(stop), rss[0]

def start_koi(binary):
    def start(port):
        data = tempfile.mkdtemp(prefix="koi-bench-")
        proc = subprocess.Popen([binary, "daemon", "--no-mdns", "--http-bind", "127.0.0.1", "--http-port", str(port), "--data-dir", data,
                                 "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return proc, lambda: subprocess.run(["rm", "-rf", data])
    return start

def start_nginx(port):
    work = tempfile.mkdtemp(prefix="nginx-bench-")
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 1; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 64; }}
http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work}; fastcgi_temp_path {work};
  uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{port}; location /healthz {{ return 200 "ok"; }} }} }}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", work, "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, lambda: subprocess.run(["rm", "-rf", work])

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--koi", default="artifacts/publish/koi")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading RSS")
    args = parser.parse_args()

    size_mib = os.path.getsize(args.koi) / 1048576
    koi = measure(start_koi(args.koi), "/healthz", args.runs, args.idle)
    ngx = measure(start_nginx, "/healthz", args.runs, args.idle)
    print(f"koi binary: {size_mib:.1f} MiB (Native AOT)")
    print(f"{'':24}{'koi':>12}{'nginx':>12}{'koi/nginx':>12}")
    rows = [("exec->ready median (ms)", koi[0] * 1000, ngx[0] * 1000),
            ("exec->ready max (ms)", koi[1] * 1000, ngx[1] * 1000),
            ("SIGTERM->exit median (ms)", koi[2] * 1000, ngx[2] * 1000),
            ("SIGTERM->exit max (ms)", koi[3] * 1000, ngx[3] * 1000),
            (f"idle RSS after {args.idle:g}s (MiB)", koi[4] / 1024, ngx[4] / 1024)]
    for name, a, b in rows:
        print(f"{name:24}{a:12.1f}{b:12.1f}{a / b:12.1f}x")

if __name__ == "__main__":
    main()
