#!/usr/bin/env python3
"""Per-packet, per-field agreement of `pcapscope packets` with tshark over the capture corpus.

For every capture under the corpus (default <repo>/../shared/captures), runs

  tshark -n -r FILE <-o settings> -T fields -E separator=/t -E occurrence=a -E aggregator=, -e ...
  pcapscope packets FILE --format tsv --fields ...

and compares the two outputs packet by packet and field by field (a field occurring several
times in one packet is comma-joined in order of occurrence by both). Prints a table of agreement
per field and the top mismatching files per field with an example; writes the same report as
markdown with --report. Exits 1 when a field falls below its minimum in
tshark_packets_thresholds.tsv (next to this script), 0 otherwise; when the corpus or tshark is
missing it says so and exits 0 (skip).

tshark output is cached under build/oracle-cache/ keyed by the file's sha1, the field list, the
tshark options and the tshark version, so reruns only pay for pcapscope.

Python 3 standard library only.
"""

import argparse
import concurrent.futures
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

FIELDS = [
    "frame.number", "frame.time_epoch", "frame.len", "frame.cap_len", "frame.interface_id",
    "eth.src", "eth.dst", "vlan.id", "mpls.label", "ip.src", "ip.dst", "ip.proto", "ip.ttl",
    "ip.id", "ip.flags.mf", "ip.frag_offset", "ipv6.src", "ipv6.dst", "ipv6.nxt", "ipv6.hlim",
    "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "icmp.type", "icmp.code",
    "icmpv6.type", "icmpv6.code", "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw",
    "tcp.flags", "tcp.window_size_value", "tcp.len", "udp.srcport", "udp.dstport", "udp.length",
]

# Settings that make tshark's per-packet L2-L4 fields comparable with a per-packet dissector
# (see docs/tshark-differences.md):
#  - no IP/IPv6 defragmentation: with it, tshark dissects the transport header of a reassembled
#    datagram in the frame of its *last* fragment, so tcp.*/udp.* would appear on a packet whose
#    own bytes hold no transport header. pcapscope dissects each packet by itself; reassembly is
#    a later stage with its own output.
#  - no TCP reassembly of application PDUs: it never changes tcp.* fields but costs time and can
#    move application-layer exceptions around.
TSHARK_OPTIONS = [
    "-o", "ip.defragment:FALSE",
    "-o", "ipv6.defragment:FALSE",
    "-o", "tcp.desegment_tcp_streams:FALSE",
]

# --app: the application fields `pcapscope packets` takes from the analysis pass, on the frame
# that completes each message. tshark runs with its defaults (IP defragmentation and TCP
# reassembly on), as those fields only exist with them. Only captures whose manifest lists DNS,
# HTTP or TLS are compared. See docs/analyze.md for what differs.
APP_FIELDS = [
    "frame.number", "dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.a", "dns.aaaa",
    "http.request.method", "http.request.uri", "http.host", "http.user_agent", "http.response.code",
    "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ja3",
]
APP_PROTOCOLS = ("dns(", "http(", "tls(")

# Marks packets in which tshark itself raised a malformed-packet exception (queried, not compared).
MALFORMED_FIELD = "_ws.malformed"

CAPTURE_MAGICS = (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d",
                  b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a")


def is_capture(path):
    """True for a pcap/pcapng file, possibly gzip-compressed (by content, not by name)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if head[:2] == b"\x1f\x8b":
                f.seek(0)
                with gzip.GzipFile(fileobj=f) as g:
                    head = g.read(4)
    except (OSError, EOFError, gzip.BadGzipFile):
        return False
    return head in CAPTURE_MAGICS


def corpus_files(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel.split(os.sep)[:2] == ["ja4", "expected"]:
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".tsv", ".md", ".json", ".txt")):
                continue
            p = os.path.join(dirpath, name)
            if is_capture(p):
                out.append(p)
    return out


def app_capture(root, path):
    """True when the corpus manifest lists DNS, HTTP or TLS in the capture's protocol hierarchy."""
    if not hasattr(app_capture, "notes"):
        app_capture.notes = {}
        manifest = os.path.join(root, "MANIFEST.tsv")
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as fh:
                for line in fh:
                    cols = line.rstrip("\n").split("\t")
                    if len(cols) >= 8:
                        app_capture.notes[cols[0]] = cols[7]
    note = app_capture.notes.get(os.path.relpath(path, root), "")
    return any(p in note for p in APP_PROTOCOLS)


def sha1_file(path):
    h = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tshark_version():
    out = subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout
    return out.splitlines()[0] if out else "unknown"


def run_tshark(path, cache_dir, version):
    """tshark's rows {frame number: [values...]} and the set of malformed frame numbers."""
    key_src = "\n".join([sha1_file(path), ",".join(FIELDS), " ".join(TSHARK_OPTIONS), version])
    key = hashlib.sha1(key_src.encode()).hexdigest()
    cached = os.path.join(cache_dir, key + ".tsv")
    if os.path.exists(cached):
        with open(cached, encoding="utf-8", errors="replace") as f:
            text = f.read()
    else:
        cmd = ["tshark", "-n", "-r", path] + TSHARK_OPTIONS + [
            "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
        for fld in FIELDS + [MALFORMED_FIELD]:
            cmd += ["-e", fld]
        # tshark exits 2 on a capture cut short; the packets before the cut are still printed.
        proc = subprocess.run(cmd, capture_output=True)
        text = proc.stdout.decode("utf-8", errors="replace")
        tmp = cached + ".tmp%d" % os.getpid()
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, cached)
    rows, malformed = {}, set()
    for line in text.split("\n"):
        if not line:
            continue
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) + 1 - len(cols))
        try:
            n = int(cols[0])
        except ValueError:
            continue
        rows[n] = cols[:len(FIELDS)]
        if cols[len(FIELDS)]:
            malformed.add(n)
    return rows, malformed


def run_ours(path, cli):
    proc = subprocess.run([cli, "packets", path, "--format", "tsv", "--fields", ",".join(FIELDS)],
                          capture_output=True)
    lines = proc.stdout.decode("utf-8", errors="replace").split("\n")
    rows = {}
    for line in lines[1:]:  # first line is the header
        if not line:
            continue
        cols = line.split("\t")
        cols += [""] * (len(FIELDS) - len(cols))
        try:
            rows[int(cols[0])] = cols[:len(FIELDS)]
        except ValueError:
            continue
    return rows, proc.returncode


def compare_file(path, cli, cache_dir, version):
    theirs, malformed = run_tshark(path, cache_dir, version)
    ours, rc = run_ours(path, cli)
    result = {
        "path": path, "rc": rc, "tshark_packets": len(theirs), "our_packets": len(ours),
        "malformed": len(malformed),
        "compared": 0,
        "agree": [0] * len(FIELDS),
        "mismatch": [0] * len(FIELDS),
        "mismatch_malformed": [0] * len(FIELDS),
        "example": [None] * len(FIELDS),
        "all_agree": 0,
    }
    for n in sorted(set(theirs) & set(ours)):
        t, o = theirs[n], ours[n]
        result["compared"] += 1
        ok_all = True
        for i in range(len(FIELDS)):
            if t[i] == o[i]:
                result["agree"][i] += 1
            else:
                ok_all = False
                result["mismatch"][i] += 1
                if n in malformed:
                    result["mismatch_malformed"][i] += 1
                if result["example"][i] is None:
                    result["example"][i] = (n, o[i], t[i])
        if ok_all:
            result["all_agree"] += 1
    return result


def load_thresholds(path):
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, value = line.split("\t")[:2]
            out[name] = float(value)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.environ.get("PCAPSCOPE_CORPUS",
                                                       os.path.join(REPO, "..", "shared", "captures")))
    ap.add_argument("--cli", default=os.environ.get("PCAPSCOPE_CLI",
                                                    os.path.join(REPO, "build", "debug", "cli", "pcapscope")))
    ap.add_argument("--cache", default=os.path.join(REPO, "build", "oracle-cache"))
    ap.add_argument("--report", help="also write the report as markdown to this path")
    ap.add_argument("--thresholds", default=os.path.join(HERE, "tshark_packets_thresholds.tsv"))
    ap.add_argument("--write-thresholds", action="store_true",
                    help="rewrite the thresholds file with the agreement measured now (rounded down)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--top", type=int, default=5, help="mismatching files listed per field")
    ap.add_argument("--only", help="substring filter on capture paths (for debugging)")
    ap.add_argument("--app", action="store_true",
                    help="compare the application fields (DNS, HTTP, TLS) with tshark's defaults")
    args = ap.parse_args()
    global FIELDS, TSHARK_OPTIONS
    if args.app:
        FIELDS = APP_FIELDS
        TSHARK_OPTIONS = []
        if args.thresholds == os.path.join(HERE, "tshark_packets_thresholds.tsv"):
            args.thresholds = os.path.join(HERE, "tshark_app_thresholds.tsv")

    if not os.path.isdir(args.corpus):
        print("SKIP: capture corpus not found at %s" % args.corpus)
        return 0
    if shutil.which("tshark") is None:
        print("SKIP: tshark not installed")
        return 0
    if not os.access(args.cli, os.X_OK):
        print("error: pcapscope CLI not found at %s (set PCAPSCOPE_CLI)" % args.cli, file=sys.stderr)
        return 2
    os.makedirs(args.cache, exist_ok=True)
    version = tshark_version()
    files = corpus_files(args.corpus)
    if args.only:
        files = [f for f in files if args.only in f]
    if args.app:
        files = [f for f in files if app_capture(args.corpus, f)]

    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        futs = [ex.submit(compare_file, f, args.cli, args.cache, version) for f in files]
        for fut in futs:
            results.append(fut.result())

    root = os.path.abspath(args.corpus)
    rel = lambda p: os.path.relpath(os.path.abspath(p), root)
    compared = sum(r["compared"] for r in results)
    all_agree = sum(r["all_agree"] for r in results)
    malformed = sum(r["malformed"] for r in results)
    agree = [sum(r["agree"][i] for r in results) for i in range(len(FIELDS))]
    pct = [100.0 * a / compared if compared else 100.0 for a in agree]
    # Minimums hold for the whole corpus, not for a subset picked with --only.
    thresholds = {} if args.only else load_thresholds(args.thresholds)

    md = []
    md.append("# pcapscope packets vs tshark: per-field agreement\n")
    md.append("- %s; tshark options: `%s`" % (version, " ".join(TSHARK_OPTIONS)))
    md.append("- captures: %d; packets compared: %d; packets agreeing on every field: %d (%.3f%%)"
              % (len(results), compared, all_agree, 100.0 * all_agree / compared if compared else 100.0))
    md.append("- packets tshark marks malformed (`_ws.malformed`): %d (compared like any other)" % malformed)
    count_diff = [r for r in results if r["tshark_packets"] != r["our_packets"]]
    if count_diff:
        md.append("- captures where the packet counts differ (only common frame numbers compared):")
        for r in count_diff:
            md.append("  - `%s`: tshark %d, pcapscope %d (exit %d)"
                      % (rel(r["path"]), r["tshark_packets"], r["our_packets"], r["rc"]))
    md.append("")
    md.append("| field | compared | agreeing | % | minimum | mismatches on malformed |")
    md.append("|---|---:|---:|---:|---:|---:|")
    failed = []
    for i, f in enumerate(FIELDS):
        mm = sum(r["mismatch_malformed"][i] for r in results)
        minimum = thresholds.get(f)
        mark = ""
        if minimum is not None and pct[i] < minimum:
            failed.append(f)
            mark = " **FAIL**"
        md.append("| %s | %d | %d | %.3f | %s | %d |%s" % (
            f, compared, agree[i], pct[i], "-" if minimum is None else "%.2f" % minimum, mm, mark))
    md.append("")
    md.append("## Top mismatching files per field\n")
    any_mismatch = False
    for i, f in enumerate(FIELDS):
        worst = sorted((r for r in results if r["mismatch"][i]), key=lambda r: -r["mismatch"][i])
        if not worst:
            continue
        any_mismatch = True
        md.append("### %s (%d packets in %d files)\n" % (f, compared - agree[i], len(worst)))
        md.append("| file | mismatches | example: frame | pcapscope | tshark |")
        md.append("|---|---:|---:|---|---|")
        for r in worst[:args.top]:
            n, o, t = r["example"][i]
            md.append("| `%s` | %d | %d | `%s` | `%s` |" % (rel(r["path"]), r["mismatch"][i], n, o[:80], t[:80]))
        md.append("")
    if not any_mismatch:
        md.append("(none)\n")
    text = "\n".join(md)
    print(text)
    if args.report:
        os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
        with open(args.report, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    if args.write_thresholds and not args.only:
        with open(args.thresholds, "w", encoding="utf-8") as fh:
            fh.write("# field\tminimum % of compared packets agreeing with tshark "
                     "(measured, rounded down; tests/oracle/tshark_packets_compare.py)\n")
            for i, f in enumerate(FIELDS):
                fh.write("%s\t%.2f\n" % (f, int(pct[i] * 100) / 100.0))
    if failed:
        print("FAIL: below minimum: %s" % ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
