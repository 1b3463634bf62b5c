# build/nbconnect-static (cmake/static.cmake) is what a `FROM scratch` image needs (Containerfile):
# not a dynamic executable, and working alone in an empty root. The test copies it into an empty
# directory, enters private network and mount namespaces (loopback up), starts a real listener
# there (outside the chroot, in the same network namespace) and runs the program under `chroot`:
# --version, `check` of the listener and of a closed port, and the init container of
# deploy/k8s/wait-for-db.yaml (its args as written: `wait ... postgres:5432`) with `postgres` only
# in the chroot's /etc/hosts, as Kubernetes mounts one into a container: resolved by c-ares alone.
#   usage: test_static_chroot.py STATIC_PROGRAM WORK_DIR K8S_MANIFEST
import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback  # noqa: E402

program, work_dir, manifest = sys.argv[1], sys.argv[2], sys.argv[3]
root = os.path.join(work_dir, "root")


def in_chroot(*args):
    return ["chroot", root, "/nbconnect", *args]


def init_container_args():
    """The args of the manifest's init container that runs `nbconnect wait`."""
    try:
        import yaml
    except ImportError:
        loopback.fail("python3 yaml is missing (scripts/deps.sh installs python3-yaml)")
    with open(manifest) as f:
        for doc in yaml.safe_load_all(f):
            pod = doc["spec"]["template"]["spec"]
            for container in pod.get("initContainers", []):
                if container.get("args", [""])[0] == "wait":
                    return [str(a) for a in container["args"]]
    loopback.fail(f"{manifest} has no init container running `wait`")


def inside():
    sock, port = loopback.listener()
    loopback.run(in_chroot("--version"), 0, "nbconnect ", "--version in the chroot")
    loopback.run(in_chroot("check", "127.0.0.1", str(port)), 0, f"127.0.0.1:{port} open (syn-ack)",
                 "check of the listener from the chroot")
    closed = loopback.closed_port()
    loopback.run(in_chroot("check", "127.0.0.1", str(closed)), 1, f"127.0.0.1:{closed} closed",
                 "check of a closed port from the chroot")
    # The database of the manifest, as a Pod sees it: a Service name in /etc/hosts, no libc
    # resolver or NSS module around.
    args = init_container_args()
    target = args[-1]
    host, db_port = target.rsplit(":", 1)
    database = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    database.bind(("127.0.0.1", int(db_port)))
    database.listen(16)
    os.makedirs(os.path.join(root, "etc"))
    with open(os.path.join(root, "etc/hosts"), "w") as hosts:
        hosts.write(f"127.0.0.1 {host}\n")
    loopback.run(in_chroot(*args), 0, "", f"the init container of {os.path.basename(manifest)}")
    loopback.run(in_chroot("--json", "check", host, db_port), 0, '"state":"open"',
                 "check of a name from the chroot's /etc/hosts")
    database.close()
    sock.close()
    print("PASS", flush=True)


if sys.argv[-1] == "--inside":
    inside()
    sys.exit(0)

# "not a dynamic executable": ldd says so (and exits 1) for a static program.
ldd = subprocess.run(["ldd", program], capture_output=True, text=True, timeout=30)
print(f"$ ldd {program}\n{ldd.stdout}{ldd.stderr}", end="", flush=True)
if "not a dynamic executable" not in ldd.stdout + ldd.stderr:
    loopback.fail(f"{program} is dynamically linked")

shutil.rmtree(work_dir, ignore_errors=True)
os.makedirs(root)
shutil.copy2(program, os.path.join(root, "nbconnect"))
print(f"root {root}: {os.listdir(root)}", flush=True)
sys.exit(loopback.reenter_in_netns(mount=True))
