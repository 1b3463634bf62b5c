#!/usr/bin/env python3
"""Runs one command and samples, every INTERVAL seconds while it runs, how many TCP connects the
kernel has begun in this network namespace: the ActiveOpens counter of /proc/net/snmp, which
tcp_connect() raises once per SYN-sending connect(), whichever program made it. Writes one line
per sample to OUT: seconds since the command started, connects per second over the interval, and
the connects so far. bench/plot_scan_rate.sh runs it once per tool.

Usage: bench/connect_rate.py OUT INTERVAL CAP -- COMMAND [ARG...]
  OUT       the data file to write (gnuplot reads it; '#' lines are comments)
  INTERVAL  seconds between samples (e.g. 0.05)
  CAP       seconds after which the command is killed and the run fails (the loop's bound)
The command's stdout and stderr go to OUT.stdout and OUT.stderr. Exit status: the command's, or
1 when it ran past CAP. The last line of stdout says how many connects were counted.
"""
import os
import select
import subprocess
import sys
import time


def active_opens():
    with open("/proc/net/snmp") as f:
        lines = [line.split() for line in f if line.startswith("Tcp:")]
    header, values = lines[0], lines[1]
    return int(values[header.index("ActiveOpens")])


def main(argv):
    if len(argv) < 6 or argv[4] != "--":
        sys.stderr.write(__doc__)
        return 64
    out, interval, cap, command = argv[1], float(argv[2]), float(argv[3]), argv[5:]
    if not 0.001 <= interval <= 1 or not 0 < cap <= 3600:
        sys.stderr.write("connect_rate: INTERVAL must be in [0.001, 1] s and CAP in (0, 3600] s\n")
        return 64
    samples = []
    base = active_opens()
    with open(out + ".stdout", "w") as so, open(out + ".stderr", "w") as se:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=so, stderr=se)
        # The wait between samples ends early when the command exits, so that its end is timed
        # to the millisecond, not to the next sample.
        exited = select.poll()
        exited.register(os.pidfd_open(proc.pid), select.POLLIN)
        last_t, last_n = 0.0, base
        # Bounded: at most CAP / INTERVAL + 1 samples, then the command is killed.
        while True:
            status = proc.poll()
            now = time.monotonic() - start
            n = active_opens()
            if now > last_t:
                # A last interval shorter than half a tick joins the one before it (less noise).
                if status is not None and samples and now - last_t < interval / 2:
                    prev_t = samples[-2][0] if len(samples) > 1 else 0.0
                    prev_n = base + (samples[-2][2] if len(samples) > 1 else 0)
                    samples[-1] = (now, (n - prev_n) / (now - prev_t), n - base)
                else:
                    samples.append((now, (n - last_n) / (now - last_t), n - base))
                last_t, last_n = now, n
            if status is not None:
                break
            if now > cap:
                proc.kill()
                proc.wait()
                sys.stderr.write(f"connect_rate: {command[0]} ran past {cap} s; killed\n")
                return 1
            # The next sample one interval after this one (a late wake-up delays the later ones
            # too, so that no interval is much shorter than INTERVAL and its rate noisy).
            delay = now + interval - (time.monotonic() - start)
            if delay > 0:
                exited.poll(delay * 1000)
    with open(out, "w") as f:
        f.write(f"# {' '.join(command)}\n")
        f.write(f"# interval {interval} s; exit status {status}; elapsed {last_t:.3f} s\n")
        f.write("# seconds  connects_per_second  connects_so_far\n")
        for t, rate, total in samples:
            f.write(f"{t:.4f} {rate:.0f} {total}\n")
    print(f"{' '.join(command)}: {last_n - base} connects in {last_t:.3f} s")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
