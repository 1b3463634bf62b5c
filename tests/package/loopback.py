# Shared by the package tests (test_deb.py, test_static_chroot.py): run the rest of a test in a
# private network namespace with loopback up, and give it a real loopback listener there.
import os
import socket
import subprocess
import sys

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def skip(reason):
    print(f"SKIPPED: {reason}", flush=True)
    sys.exit(SKIP)


def reenter_in_netns(mount=False):
    """Runs this script again, with "--inside" added, in new network (and mount) namespaces with
    loopback up; returns its exit code. Skips the test without the privilege for that."""
    if os.geteuid() != 0:
        skip("needs root for a private network namespace (unshare --net) and chroot")
    flags = ["--net", "--fork"] + (["--mount"] if mount else [])
    script = 'ip link set lo up && exec "$0" "$@"'
    cmd = ["unshare", *flags, "sh", "-c", script, sys.executable, *sys.argv, "--inside"]
    return subprocess.run(cmd, timeout=60).returncode


def listener():
    """A listening TCP socket on 127.0.0.1 (the kernel completes handshakes into its backlog, so
    nobody needs to accept) and its port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    return sock, sock.getsockname()[1]


def closed_port():
    """A loopback port nobody listens on: bound to find a free one, then closed."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def run(cmd, expect_rc, expect_out, what):
    """Runs cmd (bounded by a timeout), prints it, and fails unless its exit code and stdout are
    the expected ones (expect_out: a substring)."""
    print("$ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    print(done.stdout + done.stderr, end="", flush=True)
    if done.returncode != expect_rc:
        fail(f"{what}: exit {done.returncode}, expected {expect_rc}")
    if expect_out not in done.stdout:
        fail(f"{what}: output lacks {expect_out!r}")
    return done.stdout
