"""Process helpers the benches share: start and stop what a bench started (by pid), wait for a port, and read the
CPU time and context switches a process spent from /proc."""
import glob, os, signal, socket, subprocess, time


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


def wait_port(port, proc, what, timeout=30, host="127.0.0.1"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited: " + proc.stderr.read().decode())
        try:
            socket.create_connection((host, port), 1).close(); return
        except OSError: time.sleep(0.05)
    raise TimeoutError(f"{what} not listening on {port}")


def cpu_seconds(pids):
    """utime + stime of these processes, in seconds (threads included)."""
    ticks = 0
    for pid in pids:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def context_switches(pids):
    """Voluntary + involuntary context switches of every live thread of these processes."""
    total = 0
    for pid in pids:
        for status in glob.glob(f"/proc/{pid}/task/*/status"):
            try: text = open(status).read()
            except OSError: continue  # the thread ended meanwhile
            for line in text.splitlines():
                if "ctxt_switches:" in line:
                    total += int(line.split()[1])
    return total


def workers(master):
    """nginx's worker processes: the children of its master."""
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def koi_memory(metrics, pid):
    """A koi daemon's memory figures: its GC counts, bytes allocated and heap size from the koi_process_* series of
    its GET /metrics text, and its RSS (anonymous part beside it) from /proc/PID/smaps_rollup."""
    figures = {}
    for line in metrics.splitlines():
        if line.startswith("koi_process_"):
            name, value = line.rsplit(" ", 1)
            figures[name] = float(value)
    rollup = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                rollup[parts[0].rstrip(":")] = int(parts[1])
    gc = lambda g: int(figures.get(f'koi_process_gc_collections_total{{generation="{g}"}}', -1))
    return {"gen0": gc(0), "gen1": gc(1), "gen2": gc(2),
            "allocated_mib": figures.get("koi_process_allocated_bytes_total", -1) / 1048576,
            "heap_mib": figures.get("koi_process_gc_heap_bytes", -1) / 1048576,
            "rss_mib": rollup.get("Rss", 0) / 1024, "anon_mib": rollup.get("Anonymous", 0) / 1024}


def describe_memory(m):
    return (f"RSS {m['rss_mib']:.1f} MiB ({m['anon_mib']:.1f} anonymous), GC heap {m['heap_mib']:.1f} MiB, "
            f"{m['allocated_mib']:.0f} MiB allocated, collections gen0/1/2 {m['gen0']}/{m['gen1']}/{m['gen2']}")
