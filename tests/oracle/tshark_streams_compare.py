#!/usr/bin/env python3
"""Conversations and followed TCP streams of pcapscope against tshark, over the capture corpus.

For every capture under the corpus (default <repo>/../shared/captures):

1. Conversations. tshark's conversation tables (`-z conv,tcp -z conv,udp`) count each TCP/UDP
   conversation under its stream index (Wireshark's packet-tcp.c and packet-udp.c hand
   `tcp.stream` / `udp.stream` to the table as its conversation id). So both sides' per-packet
   `tcp.stream` / `udp.stream` (tshark -T fields, and `pcapscope packets`, whose values come from
   the flow table) give every conversation as its exact set of frames, and its frame and byte
   totals without the tables' kB/MB rounding. A conversation agrees when the other side has one
   with the same frames (hence the same packet and byte totals); the stream numbers agree when it
   also has the same number. The tables themselves are run too: their conversation count and
   frame totals must equal those tshark's stream ids give, which checks this derivation.
2. Follow. For up to --follow-max TCP conversations per capture that agree, the bytes of
   `tshark -q -z follow,tcp,raw,N` and of `pcapscope follow FILE tcp:M --format hex` (M: our
   number of the same conversation), per direction, and the number of direction switches.
   Missing bytes (tshark's "[n bytes missing in capture file]", our gap lines) are left out.

tshark runs with the L2-L4 oracle's settings (no IP defragmentation, no TCP desegmentation:
see tshark_packets_compare.py, whose corpus walk and cache folder this shares). The differences that remain are
explained in docs/tshark-differences.md ("Conversations and streams"). Exits 1 when a figure
falls below its minimum in tshark_streams_thresholds.tsv, 0 otherwise; when the corpus or tshark
is missing it says so and exits 0 (skip). Python 3 standard library only.
"""

import argparse
import concurrent.futures
import hashlib
import os
import shutil
import subprocess
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tshark_packets_compare as pk  # noqa: E402  (corpus walk, tshark cache, our packets)

PROTOS = ("tcp", "udp")
MISSING_HEX = b" bytes missing in capture file]".hex()


FIELDS = ["frame.number", "frame.len", "tcp.stream", "udp.stream", "icmp.type", "icmpv6.type"]
# ICMP errors: their tcp.stream / udp.stream are the quoted header's, which tshark's conversation
# tables do not count (and neither do our flows: the packet is the ICMP flow's).
ICMP_ERRORS = {"icmp.type": {"3", "4", "5", "11", "12"}, "icmpv6.type": {"1", "2", "3", "4"}}


def col(name):
    return FIELDS.index(name)


def packet_rows(text, header):
    """{frame number: [values]} from tab-separated fields (after a header line when `header`)."""
    rows = {}
    for line in text.split("\n")[1 if header else 0:]:
        cols = line.split("\t")
        if not cols[0].isdigit():
            continue
        rows[int(cols[0])] = cols + [""] * (len(FIELDS) - len(cols))
    return rows


def conversations(rows):
    """{proto: {stream number: [frame numbers]}} and {frame: frame.len} from packet rows."""
    convs = {p: defaultdict(list) for p in PROTOS}
    lens = {}
    for n, cols in rows.items():
        lens[n] = int(cols[col("frame.len")] or 0)
        if any(set(cols[col(f)].split(",")[:1]) & types for f, types in ICMP_ERRORS.items()):
            continue
        for p in PROTOS:
            for v in filter(None, cols[col(p + ".stream")].split(",")):
                convs[p][int(v)].append(n)
    return convs, lens


SHA1 = {}


def cached_tshark(path, cache_dir, version, tag, args):
    """tshark's text output for `args` on `path`, cached by file sha1, arguments and version."""
    if path not in SHA1:
        SHA1[path] = pk.sha1_file(path)
    key = hashlib.sha1("\n".join([SHA1[path], tag, " ".join(args), version]).encode()).hexdigest()
    cached = os.path.join(cache_dir, key + ".txt")
    if os.path.exists(cached):
        with open(cached, encoding="utf-8", errors="replace") as f:
            return f.read()
    proc = subprocess.run(["tshark", "-n", "-r", path] + args, capture_output=True)
    text = proc.stdout.decode("utf-8", errors="replace")
    tmp = cached + ".tmp%d" % os.getpid()
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, cached)
    return text


def conv_tables(text):
    """{proto: [total frames of each conversation]} from `-z conv,tcp -z conv,udp` output."""
    out = {p: [] for p in PROTOS}
    proto = None
    for line in text.split("\n"):
        if line.startswith("TCP Conversations"):
            proto = "tcp"
        elif line.startswith("UDP Conversations"):
            proto = "udp"
        elif proto and " <-> " in line:
            tok = line.split()
            # A <-> B, then frames bytes unit for <-, ->, total (sizes "123 bytes", "12 kB").
            if len(tok) >= 12:
                out[proto].append(int(tok[9]))
    return out


def parse_follow(text):
    """{stream number: (node0, node1, [(dir, hex)])} (tshark prints its taps in no fixed order)."""
    out = {}
    cur = None
    for line in text.split("\n"):
        if line.startswith("Follow: tcp"):
            cur = ["", "", []]
        elif cur is not None and line.startswith("Filter: tcp.stream eq "):
            out[int(line.split()[-1])] = cur
        elif cur is None or line.startswith("=====") or line.startswith("Filter:"):
            continue
        elif line.startswith("Node 0: "):
            cur[0] = line[8:]
        elif line.startswith("Node 1: "):
            cur[1] = line[8:]
        elif line:
            server = line.startswith("\t")
            h = line[1:] if server else line
            if h.startswith("5b") and MISSING_HEX in h:
                continue  # "[n bytes missing in capture file]"
            cur[2].append((1 if server else 0, h))
    return out


def directions(chunks, flip):
    """The hex of each direction (node 0, node 1) and the number of direction switches."""
    data = [[], []]
    switches = 0
    last = None
    for d, h in chunks:
        d ^= flip
        data[d].append(h)
        if d != last:
            switches += 1
            last = d
    return ["".join(x) for x in data], switches


def follow_ours(path, cli, number):
    proc = subprocess.run([cli, "follow", path, "tcp:%d" % number, "--format", "hex"], capture_output=True)
    text = proc.stdout.decode("utf-8", errors="replace")
    nodes, chunks = ["", ""], []
    for line in text.split("\n"):
        if line.startswith("Node 0: "):
            nodes[0] = line[8:]
        elif line.startswith("Node 1: "):
            nodes[1] = line[8:]
        elif not line or line.startswith(("=====", "Follow:", "Filter:")):
            continue
        else:
            server = line.startswith("\t")
            h = line[1:] if server else line
            if h.startswith("["):
                continue  # a gap: "[n bytes missing]"
            chunks.append((1 if server else 0, h))
    return nodes, chunks, proc.returncode


def compare_file(path, cli, cache_dir, version, follow_max):
    fields = []
    for f in FIELDS:
        fields += ["-e", f]
    theirs = packet_rows(cached_tshark(path, cache_dir, version, "fields", pk.TSHARK_OPTIONS + [
        "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"] + fields), False)
    proc = subprocess.run([cli, "packets", path, "--format", "tsv", "--fields", ",".join(FIELDS)], capture_output=True)
    ours, rc = packet_rows(proc.stdout.decode("utf-8", errors="replace"), True), proc.returncode
    tc, lens = conversations(theirs)
    oc, _ = conversations(ours)
    r = {"path": path, "rc": rc, "protos": {}, "examples": [], "follow": [0, 0, 0, 0], "follow_examples": [],
         "table_mismatch": None}
    agreeing_tcp = []  # (their number, our number) of agreeing TCP conversations
    for p in PROTOS:
        mine = defaultdict(list)
        for num, frames in oc[p].items():
            mine[tuple(sorted(frames))].append(num)
        s = {"theirs": len(tc[p]), "ours": len(oc[p]), "agree": 0, "same_number": 0,
             "frames": 0, "frames_agree": 0, "bytes": 0, "bytes_agree": 0}
        for num in sorted(tc[p]):
            frames = tuple(sorted(tc[p][num]))
            b = sum(lens.get(n, 0) for n in frames)
            s["frames"] += len(frames)
            s["bytes"] += b
            cand = mine.get(frames)
            if cand:
                m = num if num in cand else cand[0]
                cand.remove(m)
                s["agree"] += 1
                s["frames_agree"] += len(frames)
                s["bytes_agree"] += b
                s["same_number"] += m == num
                if p == "tcp":
                    agreeing_tcp.append((num, m))
            elif len(r["examples"]) < 3:
                ours_there = sorted({o for o, fr in oc[p].items() if frames[0] in fr})
                r["examples"].append("%s.stream %d: %d frames from frame %d; ours %s" % (
                    p, num, len(frames), frames[0], ", ".join("%s.stream %d (%d frames)" % (p, o, len(oc[p][o]))
                                                              for o in ours_there) or "none"))
        r["protos"][p] = s
    # tshark's own tables against its stream ids (the derivation above).
    table = conv_tables(cached_tshark(path, cache_dir, version, "conv", pk.TSHARK_OPTIONS + ["-q", "-z", "conv,tcp", "-z", "conv,udp"]))
    for p in PROTOS:
        want = sorted(len(f) for f in tc[p].values())
        if sorted(table[p]) != want:
            r["table_mismatch"] = "%s: table %d conversations / %d frames, stream ids %d / %d" % (
                p, len(table[p]), sum(table[p]), len(want), sum(want))
    # Follow the first agreeing TCP conversations.
    picked = agreeing_tcp[:follow_max]
    if picked:
        args = ["-q"]
        for num, _ in picked:
            args += ["-z", "follow,tcp,raw,%d" % num]
        followed = parse_follow(cached_tshark(path, cache_dir, version, "follow", args))
        for num, m in picked:
            t = followed.get(num, ("", "", []))
            nodes, chunks, frc = follow_ours(path, cli, m)
            r["follow"][0] += 1
            flip = 0 if nodes[0] == t[0] else 1
            od, osw = directions(chunks, flip)
            td, tsw = directions(t[2], 0)
            if od != td and frc == 0 and all(od[d].startswith(td[d]) for d in range(2)):
                r["follow"][3] += 1  # tshark stopped early: a direction it never starts, or a hole it waits on
                if len(r["follow_examples"]) < 2:
                    r["follow_examples"].append("tcp.stream %d: tshark stops after %d/%d of our %d/%d bytes" % (
                        num, len(td[0]) // 2, len(td[1]) // 2, len(od[0]) // 2, len(od[1]) // 2))
            elif od != td or frc != 0:
                r["follow"][1] += 1
                if len(r["follow_examples"]) < 2:
                    r["follow_examples"].append("tcp.stream %d (ours %d): bytes %d/%d and %d/%d (ours/tshark, node 0/1)" % (
                        num, m, len(od[0]) // 2, len(td[0]) // 2, len(od[1]) // 2, len(td[1]) // 2))
            elif osw != tsw:
                r["follow"][2] += 1
    return r


def load_thresholds(path):
    t = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or not line.strip():
                    continue
                name, value = line.split("\t")[:2]
                t[name] = float(value)
    return t


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(REPO, "..", "shared", "captures"))
    ap.add_argument("--cli", default=os.path.join(REPO, "build", "release", "cli", "pcapscope"))
    ap.add_argument("--cache", default=os.path.join(REPO, "build", "oracle-cache"))
    ap.add_argument("--thresholds", default=os.path.join(HERE, "tshark_streams_thresholds.tsv"))
    ap.add_argument("--report", help="also write the report as markdown to this file")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--top", type=int, default=5, help="captures listed per kind of difference")
    ap.add_argument("--follow-max", type=int, default=40, help="TCP conversations followed per capture")
    ap.add_argument("--only", help="substring of the capture paths to compare")
    args = ap.parse_args()
    if not os.path.isdir(args.corpus):
        print("corpus not found at %s: skipped" % args.corpus)
        return 0
    if not shutil.which("tshark"):
        print("tshark not installed: skipped")
        return 0
    if not os.access(args.cli, os.X_OK):
        print("pcapscope CLI not found at %s" % args.cli)
        return 1
    os.makedirs(args.cache, exist_ok=True)
    version = pk.tshark_version()
    files = [f for f in pk.corpus_files(args.corpus) if not args.only or args.only in f]
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        results = list(ex.map(lambda f: compare_file(f, args.cli, args.cache, version, args.follow_max), files))

    tot = {p: defaultdict(int) for p in PROTOS}
    follow = [0, 0, 0, 0]
    for r in results:
        for p in PROTOS:
            for k, v in r["protos"][p].items():
                tot[p][k] += v
        for i in range(4):
            follow[i] += r["follow"][i]
    rel = lambda p: os.path.relpath(p, args.corpus)  # noqa: E731
    lines = ["# Conversations and followed streams against tshark", "",
             "- %s; tshark options: `%s`" % (version, " ".join(pk.TSHARK_OPTIONS)),
             "- captures: %d" % len(results), ""]
    lines += ["| | tshark conversations | ours | same frames | % | same frames and number | % | frames in agreeing conversations | % | bytes % |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    figures = {}
    for p in PROTOS:
        t = tot[p]
        figures[p + ".conversations"] = pct(t["agree"], t["theirs"])
        figures[p + ".numbers"] = pct(t["same_number"], t["theirs"])
        figures[p + ".frames"] = pct(t["frames_agree"], t["frames"])
        lines.append("| %s | %d | %d | %d | %.3f | %d | %.3f | %d of %d | %.3f | %.3f |" % (
            p, t["theirs"], t["ours"], t["agree"], figures[p + ".conversations"], t["same_number"],
            figures[p + ".numbers"], t["frames_agree"], t["frames"], figures[p + ".frames"], pct(t["bytes_agree"], t["bytes"])))
    figures["follow.identical"] = pct(follow[0] - follow[1] - follow[3], follow[0])
    figures["follow.not_different"] = pct(follow[0] - follow[1], follow[0])
    lines += ["", "Followed TCP streams: %d compared; %d byte-identical (%.3f %%); %d where tshark's bytes are a "
              "prefix of ours (it stops at a hole it keeps waiting for, or never starts a direction); %d with "
              "other differences; %d identical in bytes but not in the number of direction switches." % (
                  follow[0], follow[0] - follow[1] - follow[3], figures["follow.identical"], follow[3], follow[1], follow[2]), ""]
    tables = [r for r in results if r["table_mismatch"]]
    lines.append("tshark's conversation tables against its own stream ids: %d captures differ%s" % (
        len(tables), "".join("\n  - `%s`: %s" % (rel(r["path"]), r["table_mismatch"]) for r in tables[:args.top])))
    lines += ["", "## Captures with conversations that differ (most first)", ""]
    diff = sorted(results, key=lambda r: -sum(r["protos"][p]["theirs"] - r["protos"][p]["agree"] for p in PROTOS))
    for r in diff[:args.top]:
        n = sum(r["protos"][p]["theirs"] - r["protos"][p]["agree"] for p in PROTOS)
        if not n:
            break
        lines.append("- `%s`: %d of %d tshark conversations without an identical one of ours; %s" % (
            rel(r["path"]), n, sum(r["protos"][p]["theirs"] for p in PROTOS), "; ".join(r["examples"])))
    fdiff = [r for r in results if r["follow"][1] or r["follow"][3]]
    if fdiff:
        lines += ["", "## Followed streams that differ", ""]
        for r in sorted(fdiff, key=lambda r: -r["follow"][1] - r["follow"][3])[:args.top]:
            lines.append("- `%s`: %d different, %d tshark stops early, of %d; %s" % (
                rel(r["path"]), r["follow"][1], r["follow"][3], r["follow"][0], "; ".join(r["follow_examples"])))
    report = "\n".join(lines) + "\n"
    print(report)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(report)
    minimum = load_thresholds(args.thresholds)
    failed = [k for k, v in figures.items() if k in minimum and v + 1e-9 < minimum[k]]
    for k in failed:
        print("BELOW MINIMUM: %s %.3f %% < %.2f %%" % (k, figures[k], minimum[k]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
