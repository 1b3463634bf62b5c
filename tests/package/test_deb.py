# The .deb of `make package` (cmake/package.cmake): built with CPack from the build directory,
# accepted by lintian (any E: tag fails; the other tags are printed), holding the files where
# Debian expects them with a computed Depends, and working when unpacked with `dpkg -x` into a
# scratch root: --version, and real checks of an open and a closed loopback port in a private
# network namespace.
#   usage: test_deb.py BUILD_DIR WORK_DIR MAN_PAGE(0|1)
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loopback  # noqa: E402

build_dir, work_dir, man_page = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
root = os.path.join(work_dir, "root")
program = os.path.join(root, "usr/bin/nbconnect")


def inside():
    """In the private network namespace: the unpacked program checks loopback ports."""
    sock, port = loopback.listener()
    loopback.run([program, "check", "127.0.0.1", str(port)], 0, f"127.0.0.1:{port} open (syn-ack)",
                 "check of the listener")
    closed = loopback.closed_port()
    loopback.run([program, "check", "127.0.0.1", str(closed)], 1, f"127.0.0.1:{closed} closed",
                 "check of a closed port")
    sock.close()
    print("PASS", flush=True)


if sys.argv[-1] == "--inside":
    inside()
    sys.exit(0)

for tool in ("cpack", "lintian", "dpkg-deb", "dpkg-shlibdeps"):
    if shutil.which(tool) is None:
        loopback.fail(f"{tool} is not installed (scripts/deps.sh installs it)")

shutil.rmtree(work_dir, ignore_errors=True)
os.makedirs(work_dir)
print(f"$ cpack --config {build_dir}/CPackConfig.cmake -B {work_dir}", flush=True)
built = subprocess.run(["cpack", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
                        "-B", work_dir], capture_output=True, text=True, timeout=120)
if built.returncode != 0:
    print(built.stdout + built.stderr)
    loopback.fail("cpack failed")
debs = glob.glob(os.path.join(work_dir, "nbconnect_*.deb"))
if len(debs) != 1:
    loopback.fail(f"expected one nbconnect_*.deb in {work_dir}, found {debs}")
deb = debs[0]

# lintian: errors fail the test; warnings and the rest are shown.
print(f"$ lintian --fail-on error {deb}", flush=True)
lint = subprocess.run(["lintian", "--fail-on", "error", deb], capture_output=True,
                      text=True, timeout=120)
print(lint.stdout + lint.stderr, end="", flush=True)
if lint.returncode != 0 or any(line.startswith("E:") for line in lint.stdout.splitlines()):
    loopback.fail("lintian reports errors")

fields = subprocess.run(["dpkg-deb", "--field", deb, "Package", "Section", "Depends"],
                        capture_output=True, text=True, timeout=30, check=True).stdout
print(fields, end="")
for want in ("Package: nbconnect", "Section: net", "libc6", "libc-ares2"):
    if want not in fields:
        loopback.fail(f"control fields lack {want!r} (Depends is computed by dpkg-shlibdeps)")

listing = subprocess.run(["dpkg-deb", "--contents", deb], capture_output=True, text=True,
                         timeout=30, check=True).stdout
wanted = ["./usr/bin/nbconnect", "./usr/share/doc/nbconnect/copyright",
          "./usr/share/doc/nbconnect/changelog.Debian.gz",
          "./usr/share/bash-completion/completions/nbconnect",
          "./usr/share/zsh/vendor-completions/_nbconnect",
          "./usr/share/fish/vendor_completions.d/nbconnect.fish"]
if man_page:
    wanted.append("./usr/share/man/man1/nbconnect.1.gz")
paths = {line.split()[-1] for line in listing.splitlines()}
for path in wanted:
    if path not in paths:
        loopback.fail(f"the package lacks {path}")
if any("/include/" in p or p.endswith(".a") for p in paths):
    loopback.fail("the package carries the development files")

subprocess.run(["dpkg", "-x", deb, root], check=True, timeout=30)
loopback.run([program, "--version"], 0, "nbconnect 0.1.0", "--version of the unpacked program")
sys.exit(loopback.reenter_in_netns())
