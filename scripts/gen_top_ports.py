#!/usr/bin/env python3
"""Writes the top-ports tables of cli/ from nmap's nmap-services file: the TCP and the UDP ports
ranked by their open-frequency (highest first, ties by port number), and the service name of every
TCP and UDP port the file lists. These are published facts (how often each port was found open,
and its name); the build does not need nmap, only the generated files, which are committed.

The files (each under MAX_LINES lines, so the tables are packed):
  cli/top_ports_tcp_data.cpp    the TCP ranking, and the provenance string
  cli/top_ports_udp_data.cpp    the UDP ranking
  cli/service_names_data_1.cpp  the service names, first part
  cli/service_names_data_2.cpp  the service names, second part

A ranking is an array of groups, one per frequency, highest first: 0 opens a group, then the
group's lowest port, then the difference to the previous port for each further port of the group
(ascending). The names are one text cut into parts: one word per listed TCP port in ascending
order, then one per listed UDP port in ascending order, separated by single spaces; an empty word
is "unknown" (listed without a name), and for a UDP port "=" is the same name as the TCP port's.

Usage: scripts/gen_top_ports.py [--out DIR] [NMAP_SERVICES]
       (default DIR is cli/ beside this script, NMAP_SERVICES /usr/share/nmap/nmap-services; the
       nmap version is read from `nmap --version`)
       scripts/gen_top_ports.py --check DIR [NMAP_SERVICES]
       (regenerates into a temporary directory; exit 1 when the committed rankings or names in
       DIR differ from what this machine's nmap-services gives; `make test` runs it)
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile

LINE_WIDTH = 100
MAX_LINES = 600
NAME_PARTS = 2
FILES = ["top_ports_tcp_data.cpp", "top_ports_udp_data.cpp"] + [
    f"service_names_data_{i}.cpp" for i in range(1, NAME_PARTS + 1)]
NAME_RE = re.compile(r"[A-Za-z0-9._+:/-]+")


def nmap_version():
    try:
        out = subprocess.run(["nmap", "--version"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (nmap --version failed)"
    m = re.search(r"Nmap version (\S+)", out)
    return m.group(1) if m else "unknown"


def read_services(path):
    """{"tcp": {port: (frequency, name)}, "udp": {...}}; $Id$ of the file."""
    table = {"tcp": {}, "udp": {}}
    file_id = ""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                m = re.search(r"\$Id: [^$]*\$", line)
                if m:
                    file_id = m.group(0)
                continue
            fields = line.split()
            if len(fields) < 3 or "/" not in fields[1]:
                continue
            port_text, protocol = fields[1].split("/", 1)
            if protocol not in table:
                continue
            port = int(port_text)
            freq = float(fields[2])
            name = fields[0]
            if not 1 <= port <= 65535:
                continue
            if not NAME_RE.fullmatch(name):
                raise SystemExit(f"unexpected service name {name!r} for {port}/{protocol}")
            ports = table[protocol]
            # A port listed twice keeps its highest frequency and first name.
            if port in ports:
                old = ports[port]
                ports[port] = (max(old[0], freq), old[1])
            else:
                ports[port] = (freq, name)
    return table, file_id


def packed(items, indent="    "):
    """Comma-separated without spaces (the UDP ranking needs the room), wrapped to LINE_WIDTH."""
    lines, line = [], indent
    for item in items:
        piece = item + ","
        if len(line) + len(piece) > LINE_WIDTH and line.strip():
            lines.append(line)
            line = indent
        line += piece
    if line.strip():
        lines.append(line)
    return "\n".join(lines)


def packed_ranking(ports):
    """The ranking as groups of equal frequency: 0, first port, differences (see the top)."""
    ranked = sorted(ports, key=lambda p: (-ports[p][0], p))
    out, prev = [], None
    for port in ranked:
        if prev is None or ports[port][0] != ports[prev][0]:
            out += [0, port]
        else:
            out.append(port - prev)
        prev = port
    return out


def names_text(table):
    tcp, udp = table["tcp"], table["udp"]
    words = []
    for port in sorted(tcp):
        words.append("" if tcp[port][1] == "unknown" else tcp[port][1])
    for port in sorted(udp):
        name = udp[port][1]
        if name == "unknown":
            words.append("")
        elif port in tcp and tcp[port][1] == name:
            words.append("=")
        else:
            words.append(name)
    return " ".join(words)


def string_lines(text, indent="    "):
    width = LINE_WIDTH - len(indent) - 2
    return [f'{indent}"{text[i:i + width]}"' for i in range(0, len(text), width)]


def header(what, path, file_id, version, today):
    return f"""// GENERATED FILE, do not edit: {what}
// Source: {path}
//   ({file_id or 'no $Id$'}),
// installed with Nmap {version} (`nmap --version`); generated on {today}.
// Regenerate (the build needs only these files, not nmap):
//   python3 scripts/gen_top_ports.py {path}
// The format is described in scripts/gen_top_ports.py and read by cli/top_ports.cpp.
#include "top_ports.hpp"

// clang-format off
namespace nbc::cli::detail {{
"""


FOOTER = """
}  // namespace nbc::cli::detail
// clang-format on
"""


def generate(path, out_dir):
    table, file_id = read_services(path)
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    version = nmap_version()
    files = {}
    for protocol in ("tcp", "udp"):
        ports = table[protocol]
        upper = protocol.upper()
        title = protocol.capitalize()
        body = f"""
// {len(ports)} {upper} ports, ranked by nmap's measured open-frequency, highest first, ties by port
// number.
extern const std::uint16_t kRanked{title}Packed[] = {{
{packed(str(v) for v in packed_ranking(ports))}
}};
extern const std::size_t kRanked{title}PackedSize =
    sizeof kRanked{title}Packed / sizeof kRanked{title}Packed[0];
"""
        if protocol == "tcp":
            body += f"""
extern const char kTopPortsSource[] =
    "{path} ({file_id}), "
    "Nmap {version}, {today}";
"""
        files[f"top_ports_{protocol}_data.cpp"] = (
            header(f"the {upper} port ranking of nmap-services.", path, file_id, version, today)
            + body + FOOTER)
    lines = string_lines(names_text(table))
    per_part = -(-len(lines) // NAME_PARTS)
    for i in range(NAME_PARTS):
        part = lines[i * per_part:(i + 1) * per_part] or ['    ""']
        body = f"""
// Part {i + 1} of {NAME_PARTS} of the names of the {len(table['tcp'])} TCP and the {len(table['udp'])} \
UDP ports listed: nmap's
// names, what `nmap -sT` and `nmap -sU` show when they have not probed the service.
extern const char kServiceNames{i + 1}[] =
""" + "\n".join(part) + ";\n"
        files[f"service_names_data_{i + 1}.cpp"] = (
            header(f"service names of nmap-services, part {i + 1} of {NAME_PARTS}.", path,
                   file_id, version, today) + body + FOOTER)
    for name, text in files.items():
        count = text.count("\n")
        if count > MAX_LINES:
            raise SystemExit(f"{name} would have {count} lines, more than {MAX_LINES}: raise "
                             "NAME_PARTS here and in cli/top_ports.cpp")
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)


def data_of(text):
    """The rankings and the names: the provenance (comments, kTopPortsSource) left out."""
    text = re.sub(r"(?m)^//.*\n", "", text)
    return re.sub(r"kTopPortsSource\[\] =[^;]*;", "", text)


def check(committed_dir, path):
    with tempfile.TemporaryDirectory() as tmp:
        generate(path, tmp)
        stale = []
        for name in FILES:
            with open(os.path.join(tmp, name), encoding="utf-8") as f:
                generated = f.read()
            try:
                with open(os.path.join(committed_dir, name), encoding="utf-8") as f:
                    committed = f.read()
            except OSError:
                committed = None
            if committed is None or data_of(generated) != data_of(committed):
                stale.append(name)
    if stale:
        print(f"{', '.join(stale)} in {committed_dir} differ from what {path} gives: regenerate "
              "them (scripts/gen_top_ports.py)", file=sys.stderr)
        sys.exit(1)
    print(f"{', '.join(FILES)} in {committed_dir} are what {path} gives")


def main():
    args = sys.argv[1:]
    usage = "usage: gen_top_ports.py [--out DIR | --check DIR] [NMAP_SERVICES]"
    mode, directory = "out", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli")
    if args[:1] in (["--out"], ["--check"]):
        if len(args) < 2:
            raise SystemExit(usage)
        mode, directory = args[0][2:], args[1]
        args = args[2:]
    if len(args) > 1 or (args and args[0].startswith("-")):
        raise SystemExit(usage)
    path = args[0] if args else "/usr/share/nmap/nmap-services"
    if mode == "check":
        check(directory, path)
    else:
        generate(path, os.path.normpath(directory))


if __name__ == "__main__":
    main()
