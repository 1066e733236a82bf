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
