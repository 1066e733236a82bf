# Drives `koi certmesh create` interactively through a pseudo-terminal (profile, keyboard mashing, the
# proposed passphrase typed back twice, a TOTP code from oathtool) and checks the summary says "confirmed".
# Usage: python3 create_via_pty.py KOI_BINARY DATA_DIR   (a daemon must already run on DATA_DIR)
import os, pty, re, subprocess, sys, time, random, select
K = sys.argv[1]  # path to the koi binary
pid, fd = pty.fork()
if pid == 0:
    os.environ["NO_COLOR"] = "1"
    os.execv(K, [K, "certmesh", "create", "--data-dir", sys.argv[2]])
buf = b""
def read_until(pattern, timeout=20):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            buf += chunk
        m = re.search(pattern, buf.decode("utf-8", "replace"))
        if m:
            return m
    raise SystemExit("timeout waiting for %r; got:\n%s" % (pattern, buf.decode("utf-8", "replace")[-2000:]))
def send(s):
    os.write(fd, s.encode())
read_until(r"Choice")
send("1\r")
read_until(r"128 keys")
rnd = random.Random(1)
for i in range(128):
    send(rnd.choice("asdfghjklqwertyuiopzxcvbnm1234567890"))
    time.sleep(0.005 + rnd.random() * 0.01)
m = read_until(r"Proposed passphrase: ([a-z-]+)")
proposal = m.group(1)
read_until(r"CA passphrase")
send(proposal + "\r")
read_until(r"Repeat to confirm")
send(proposal + "\r")
m = read_until(r"(otpauth://\S+)")
uri = m.group(1)
secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
read_until(r"6-digit code")
code = subprocess.check_output(["oathtool", "--totp", "-b", secret]).decode().strip()
send(code + "\r")
read_until(r"TOTP:\s+confirmed", 30)
time.sleep(0.5)
print(buf.decode("utf-8", "replace")[-1500:])
open(sys.argv[2] + "/proposal.txt", "w").write(proposal)
_, status = os.waitpid(pid, 0)
print("exit", os.waitstatus_to_exitcode(status))
