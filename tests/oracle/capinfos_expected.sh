#!/usr/bin/env bash
# Regenerates tests/oracle/capinfos_expected.tsv: what Wireshark's capinfos (and tshark, where
# capinfos cannot tell) says about every capture of the shared corpus. Read by
# tests/corpus/capinfos_agreement_test.cpp.
#
# Usage: tests/oracle/capinfos_expected.sh [corpus_dir] [out.tsv]
#        tests/oracle/capinfos_expected.sh --linktype-map
#   corpus_dir defaults to <repo>/../shared/captures, out.tsv to tests/oracle/capinfos_expected.tsv.
#   --linktype-map prints, for each LINKTYPE value 0..299 that Wireshark reads, the encapsulation
#   short name capinfos reports for a one-packet pcap with that link type and the bytes of
#   pseudo-header wiretap strips from packet lengths (the tables kept in the agreement test).
# Needs: bash, python3 (stdlib), capinfos and tshark (Debian packages wireshark-common, tshark).
#
# Columns of the table (tab-separated, one row per capture, sorted by path):
#   path        capture path relative to corpus_dir
#   status      ok | partial: <capinfos error> (an error after reading some packets; the counts
#               below cover the packets read before it) | error: <capinfos error> (nothing read)
#   packets     packets capinfos read ("-" for error)
#   first_time  earliest packet time, epoch seconds with the digits of the interface's
#   last_time   resolution (9 for nanoseconds); "-" when no packet has a time stamp
#   data_bytes  capinfos "Data size": the sum of original (on-the-wire) packet lengths, less any
#               pseudo-header wiretap strips from them (e.g. 4 bytes per SunATM packet; see
#               --linktype-map)
#   encaps      Wireshark encapsulation short name of every interface, in interface order, comma-
#               separated (global numbering across pcapng sections, as capinfos prints it);
#               "-" when capinfos could not list them
# Times come from capinfos -S when every interface resolution is one capinfos prints without
# truncation (1, 10, 100, 1000, 10^6 or 10^9 ticks per second) and every packet has a time
# stamp; otherwise from the min/max of tshark's frame.time_epoch (9 digits; packets without a
# time stamp, e.g. pcapng simple packet blocks, have none and are left out, as capinfos does).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

for tool in capinfos tshark python3; do
  command -v "$tool" >/dev/null || { echo "capinfos_expected.sh: $tool not found" >&2; exit 1; }
done

if [[ "${1:-}" == "--linktype-map" ]]; then
  # One pcap per link type holding one 64-byte packet of zeros (IrDA and Linux LAPD need their
  # sll_protocol set, or wiretap rejects the packet). capinfos names the encapsulation, and its
  # data size shows how many bytes of pseudo-header wiretap strips from each packet's lengths
  # (ERF's is variable: on zeros wiretap takes the whole packet as header).
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  python3 - "$tmp" <<'EOF'
import struct, sys
for lt in range(300):
    body = bytearray(64)
    body[14:16] = {144: b'\x00\x17', 177: b'\x00\x30'}.get(lt, b'\x00\x00')
    hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, lt)
    rec = struct.pack('<IIII', 1, 0, 64, 64) + bytes(body)
    open(f'{sys.argv[1]}/lt{lt}.pcap', 'wb').write(hdr + rec)
EOF
  printf 'linktype\twireshark_encap\tpseudo_header_bytes\n'
  for lt in $(seq 0 299); do
    info="$(LC_ALL=C capinfos -M -d -I "$tmp/lt$lt.pcap" 2>/dev/null || true)"
    enc="$(sed -n 's/^ *Encapsulation = .*(\([0-9]*\) - \(.*\))$/\2/p' <<<"$info" | head -1)"
    data="$(sed -n 's/^Data size: *\([0-9]*\) bytes$/\1/p' <<<"$info")"
    if [[ -n "$enc" ]]; then printf '%s\t%s\t%s\n' "$lt" "$enc" "$((64 - ${data:-64}))"; fi
  done
  exit 0
fi

corpus="${1:-$repo/../shared/captures}"
out="${2:-$here/capinfos_expected.tsv}"
[[ -d "$corpus" ]] || { echo "capinfos_expected.sh: no corpus at $corpus" >&2; exit 1; }
corpus="$(cd "$corpus" && pwd)"

# Same locale for everyone: decimal point ".", byte-wise sort order.
export LC_ALL=C

python3 - "$corpus" "$out" <<'EOF'
import os, re, subprocess, sys

corpus, out = sys.argv[1], sys.argv[2]
EXACT_TICKS = {1, 10, 100, 1000, 10**6, 10**9}  # resolutions capinfos prints without truncation

def run(args):
    p = subprocess.run(args, cwd=corpus, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')

def version(tool):
    return run([tool, '-v'])[1].splitlines()[0].strip()

def capture_files():
    files = []
    for dirpath, dirnames, filenames in os.walk(corpus):
        rel_dir = os.path.relpath(dirpath, corpus)
        if rel_dir == os.path.join('ja4', 'expected'):
            dirnames[:] = []
            continue
        for name in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel in ('MANIFEST.tsv', 'SOURCES.md'):
                continue
            files.append(rel)
    return sorted(files)

def error_text(stderr):
    """capinfos's error as one line, without the file name: 'sentence (detail)'."""
    main, details = '', []
    for line in stderr.splitlines():
        line = line.strip()
        if not line or line.startswith('Running as user') or 'An error occurred after reading' in line \
                or line.startswith('(will continue anyway'):
            continue
        m = re.match(r'capinfos: The file ".*?" (.*)$', line)
        if m and not main:
            main = m.group(1).rstrip('.')
        elif line.startswith('capinfos: ') and not main:
            main = line[len('capinfos: '):].rstrip('.')
        else:
            details.append(line[1:-1] if line.startswith('(') and line.endswith(')') else line)
    text = main + (' (' + '; '.join(details) + ')' if details else '')
    return re.sub(r'\s+', ' ', text).strip() or 'unknown error'

def epoch_ns(s):
    neg = s.startswith('-')
    whole, _, frac = s.lstrip('-').partition('.')
    ns = int(whole) * 10**9 + int((frac + '000000000')[:9])
    return -ns if neg else ns

def tshark_times(rel):
    """min/max frame.time_epoch and the sum of frame.len over the packets tshark reads."""
    rc, so, se = run(['tshark', '-n', '-r', rel, '-T', 'fields', '-e', 'frame.time_epoch',
                      '-e', 'frame.len'])
    times, total, count = [], 0, 0
    for line in so.splitlines():
        t, _, length = line.partition('\t')
        count += 1
        total += int(length or 0)
        if t:
            times.append(t)
    if not times:
        return '-', '-', total, count
    return min(times, key=epoch_ns), max(times, key=epoch_ns), total, count

def field(text, name):
    m = re.search(r'^' + re.escape(name) + r':\s*(.*)$', text, re.M)
    return m.group(1).strip() if m else None

def interfaces(text):
    """Encapsulation short names and tick rates of the first interface listing (capinfos repeats
    the whole list once per pcapng section)."""
    encaps, ticks, seen = [], [], set()
    # A block runs to the next interface or section header (an if_name may contain a newline).
    heads = list(re.finditer(r'^(?:Interface #(\d+) info:|Section \d+:)$', text, re.M))
    for i, m in enumerate(heads):
        if m.group(1) is None:
            continue
        idx = int(m.group(1))
        if idx in seen:
            break
        seen.add(idx)
        block = text[m.end():heads[i + 1].start() if i + 1 < len(heads) else len(text)]
        e = re.search(r'^\s+Encapsulation = .*\(\d+ - (.*)\)\s*$', block, re.M)
        t = re.search(r'^\s+Time ticks per second = (\d+)', block, re.M)
        encaps.append(e.group(1) if e else '?')
        ticks.append(int(t.group(1)) if t else 0)
    return encaps, ticks

rows = []
for rel in capture_files():
    rc, so, se = run(['capinfos', '-M', '-S', '-t', '-E', '-c', '-d', '-a', '-e', '-I', rel])
    partial = re.search(r'An error occurred after reading (\d+) packets', se)
    if rc != 0 and not partial:
        rows.append([rel, 'error: ' + error_text(se), '-', '-', '-', '-', '-'])
        continue
    if rc != 0:
        status = 'partial: ' + error_text(se)
    else:
        status = 'ok'
        if se.strip() and not all(l.startswith('Running as user') for l in se.strip().splitlines()):
            print(f'warning: {rel}: capinfos said: {se.strip()}', file=sys.stderr)
    count = field(so, 'Number of packets')
    if count is None:
        # capinfos gave up (rc 2) after reading some packets and printed nothing: ask tshark,
        # which reads through the same wiretap code, about the packets before the error.
        first, last, data, n = tshark_times(rel)
        if n != int(partial.group(1)):
            print(f'warning: {rel}: tshark read {n} packets, capinfos {partial.group(1)}',
                  file=sys.stderr)
        rows.append([rel, status, partial.group(1), first, last, str(data), '-'])
        continue
    data = field(so, 'Data size').split()[0]
    encaps, ticks = interfaces(so)
    first, last = field(so, 'First packet time'), field(so, 'Last packet time')
    if int(count) == 0:
        first = last = '-'
    elif first is None or any(t not in EXACT_TICKS for t in ticks):
        first, last, _, _ = tshark_times(rel)
    rows.append([rel, status, count, first, last, data, ','.join(encaps) or '-'])

with open(out, 'w') as f:
    f.write('# What Wireshark says about each capture of ../shared/captures. Generated by\n')
    f.write('# tests/oracle/capinfos_expected.sh (columns described there); do not edit by hand.\n')
    f.write('# ' + version('capinfos') + '\n')
    f.write('# ' + version('tshark') + '\n')
    f.write('path\tstatus\tpackets\tfirst_time\tlast_time\tdata_bytes\tencaps\n')
    for r in rows:
        f.write('\t'.join(c.replace('\t', ' ') for c in r) + '\n')
print(f'{len(rows)} captures -> {out}', file=sys.stderr)
EOF
