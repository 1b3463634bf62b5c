#!/usr/bin/env python3
"""Writes cli/top_ports_data.cpp: the TCP ports of nmap's nmap-services file ranked by their
open-frequency (highest first, ties by port number), and the service name of every TCP port the
file lists. These are published facts (how often each port was found open, and its name); the
build does not need nmap, only this generated file, which is committed.

Usage: scripts/gen_top_ports.py [NMAP_SERVICES] > cli/top_ports_data.cpp
       (default /usr/share/nmap/nmap-services; the nmap version is read from `nmap --version`)
       scripts/gen_top_ports.py --check cli/top_ports_data.cpp [NMAP_SERVICES]
       (exit 1 when the committed ranking or names differ from what this machine's
       nmap-services gives; `make test` runs it)
"""
import io
import datetime
import re
import subprocess
import sys

PER_LINE_PORTS = 14
LINE_WIDTH = 100


def nmap_version():
    try:
        out = subprocess.run(["nmap", "--version"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (nmap --version failed)"
    m = re.search(r"Nmap version (\S+)", out)
    return m.group(1) if m else "unknown"


def read_services(path):
    """{port: (frequency, name)} for every tcp line; $Id$ of the file."""
    tcp = {}
    file_id = ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                m = re.search(r"\$Id: [^$]*\$", line)
                if m:
                    file_id = m.group(0)
                continue
            fields = line.split()
            if len(fields) < 3 or not fields[1].endswith("/tcp"):
                continue
            port = int(fields[1].split("/")[0])
            freq = float(fields[2])
            name = fields[0]
            if not 1 <= port <= 65535:
                continue
            if not re.fullmatch(r"[A-Za-z0-9._+:/-]+", name):
                raise SystemExit(f"unexpected service name {name!r} for port {port}")
            # A port listed twice keeps its highest frequency and first name.
            if port in tcp:
                old = tcp[port]
                tcp[port] = (max(old[0], freq), old[1])
            else:
                tcp[port] = (freq, name)
    return tcp, file_id


def packed(items, indent="    "):
    lines, line = [], indent
    for item in items:
        piece = item + ","
        if len(line) + len(piece) + 1 > LINE_WIDTH and line.strip():
            lines.append(line.rstrip())
            line = indent
        line += piece + " "
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


def data_of(text):
    """The ranking and the names: the provenance (comments, kTopPortsSource) left out."""
    text = re.sub(r"(?m)^//.*\n", "", text)
    return re.sub(r"kTopPortsSource\[\] =\s*\"[^\"]*\";", "", text)


def main():
    args = sys.argv[1:]
    check = None
    if args[:1] == ["--check"]:
        if len(args) < 2:
            raise SystemExit("usage: gen_top_ports.py --check FILE [NMAP_SERVICES]")
        check = args[1]
        args = args[2:]
        real_stdout = sys.stdout
        sys.stdout = io.StringIO()
    path = args[0] if args else "/usr/share/nmap/nmap-services"
    generate(path)
    if check is not None:
        generated = sys.stdout.getvalue()
        sys.stdout = real_stdout
        with open(check, encoding="utf-8") as f:
            committed = f.read()
        if data_of(generated) != data_of(committed):
            print(f"{check} differs from what {path} gives: regenerate it "
                  "(scripts/gen_top_ports.py)", file=sys.stderr)
            sys.exit(1)
        print(f"{check} is what {path} gives")


def generate(path):
    tcp, file_id = read_services(path)
    ranked = sorted(tcp, key=lambda p: (-tcp[p][0], p))
    by_port = sorted(tcp)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    version = nmap_version()
    out = sys.stdout
    out.write(f"""// GENERATED FILE, do not edit: the TCP port ranking and service names of nmap-services.
// Source: {path}
//   ({file_id or 'no $Id$'}),
// installed with Nmap {version} (`nmap --version`); generated on {today}; {len(tcp)} TCP ports.
// Regenerate (the build needs only this file, not nmap):
//   python3 scripts/gen_top_ports.py {path} > cli/top_ports_data.cpp
// The ranking is by nmap's measured open-frequency, highest first, ties by port number; the names
// are nmap's service names (what `nmap -sT` shows when it has not probed the service).
#include "top_ports.hpp"

// clang-format off
namespace nbc::cli::detail {{

extern const std::uint16_t kRankedTcpPorts[] = {{
{packed(str(p) for p in ranked)}
}};
extern const std::size_t kRankedTcpPortCount = sizeof kRankedTcpPorts / sizeof kRankedTcpPorts[0];

extern const TcpServiceName kTcpServiceNames[] = {{
{packed('{' + str(p) + ',"' + tcp[p][1] + '"}' for p in by_port)}
}};
extern const std::size_t kTcpServiceNameCount =
    sizeof kTcpServiceNames / sizeof kTcpServiceNames[0];

extern const char kTopPortsSource[] =
    "{path} ({file_id}), Nmap {version}, {today}";

}}  // namespace nbc::cli::detail
// clang-format on
""")


if __name__ == "__main__":
    main()
