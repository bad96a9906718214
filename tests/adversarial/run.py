#!/usr/bin/env python3
"""Adversarial-capture suite (issue 10; the bad-input part of issue 4).

Generates every hostile capture (generate.py) plus benign references of similar sizes, runs
each through the native CLI (every command it has among info, flows, dns, http, tls, analyze)
under /usr/bin/time -v and through the npm package in Node (wasm_run.mjs), and checks:
  - exit status 0 or 1, never a signal or a timeout;
  - the named anomalies each case must produce appear in the outputs;
  - every packet is counted: count_min <= packets + records_lost <= count_max (written), and
    bytes_consumed + bytes_unparsed == the (decompressed) input size; wasm agrees with native;
  - the expected number of flows (when the case says);
  - peak RSS under the cap (see docs/limits.md): 512 MiB + 64 B/packet + 320 B/flow natively.
Time is compared with a benign capture of about the same size and recorded (never asserted).
Writes build/adversarial/report.md (and report.json); exits 1 on any failed check.

    python3 tests/adversarial/run.py [--full] [--cli PATH] [--only a,b] [--no-wasm] [--timeout S]
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
MiB = 1 << 20


def cap_bytes(c):
    return 512 * MiB + 64 * c['written'] + 320 * (c['flows'] or 0)


def cli_commands(cli):
    """Commands this CLI has, from its usage text (analyze, http, tls arrive over time)."""
    p = subprocess.run([cli], capture_output=True, text=True)
    usage = p.stdout + p.stderr
    have = set(re.findall(r'^\s{2}([a-z]+)\b', usage, re.M))
    for c in ('http', 'tls'):  # log commands may work before the usage text lists them
        if c not in have:
            p = subprocess.run([cli, c, '/dev/null'], capture_output=True, text=True)
            if 'unknown command' not in p.stderr:
                have.add(c)
    if 'analyze' in have:
        have.discard('packets')  # analyze reports dissection anomalies; without it, packets does
    cmds = []
    for c in ['info', 'flows', 'dns', 'http', 'tls', 'analyze', 'packets']:
        if c not in have:
            continue
        args = [c]
        if c in ('info', 'analyze'):
            args.append('--json')
        cmds.append(args)
    return cmds


def parse_time_v(path):
    out = {'rss_kb': 0, 'wall': 0.0, 'signal': None, 'status': None}
    try:
        text = open(path).read()
    except OSError:
        return out
    m = re.search(r'Maximum resident set size \(kbytes\): (\d+)', text)
    if m:
        out['rss_kb'] = int(m.group(1))
    m = re.search(r'Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)', text)
    if m:
        out['wall'] = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r'Command terminated by signal (\d+)', text)
    if m:
        out['signal'] = int(m.group(1))
    m = re.search(r'Exit status: (\d+)', text)
    if m:
        out['status'] = int(m.group(1))
    return out


def run_timed(argv, needles, timeout, keep=False):
    """Runs argv under /usr/bin/time -v, streaming stdout through a search for `needles`.
    Returns (result dict, kept stdout or None)."""
    with tempfile.NamedTemporaryFile(suffix='.time', delete=False) as tf:
        tpath = tf.name
    t0 = time.monotonic()
    p = subprocess.Popen(['/usr/bin/time', '-v', '-o', tpath] + argv, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    found, kept, lines, tail = set(), [], 0, b''
    timed_out = False
    import threading
    err_chunks = []
    t = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()))
    t.start()
    timer = threading.Timer(timeout, p.kill)
    timer.start()
    try:
        while True:
            chunk = p.stdout.read(1 << 20)
            if not chunk:
                break
            lines += chunk.count(b'\n')
            window = tail + chunk
            for n in needles:
                if n not in found and n.encode() in window:
                    found.add(n)
            tail = chunk[-200:]
            if keep:
                kept.append(chunk)
        p.wait()
    finally:
        timed_out = not timer.is_alive() and p.returncode is not None and p.returncode < 0
        timer.cancel()
        t.join()
    wall = time.monotonic() - t0
    tv = parse_time_v(tpath)
    os.unlink(tpath)
    stderr = b''.join(err_chunks).decode(errors='replace')
    for n in needles:
        if n not in found and n in stderr:
            found.add(n)
    res = {'argv': argv, 'rc': p.returncode, 'status': tv['status'], 'signal': tv['signal'],
           'timed_out': timed_out, 'seconds': tv['wall'] or wall, 'rss_kb': tv['rss_kb'], 'lines': lines,
           'found': sorted(found), 'stderr': stderr[-400:]}
    return res, (b''.join(kept) if keep else None)


def needles_of(c):
    return sorted({n for group in c['expect'] for n in group})


def run_native(cli, cmds, path, c, timeout):
    results = []
    info = None
    for args in cmds:
        keep = args[0] == 'info'
        res, out = run_timed([cli, args[0], path] + args[1:], needles_of(c), timeout, keep=keep)
        if keep and out:
            try:
                info = json.loads(out)
                if isinstance(info, list):
                    info = info[0]
            except ValueError:
                info = None
        results.append(res)
    return results, info


def run_wasm(path, c, timeout):
    res, out = run_timed(['node', '--max-old-space-size=4096', os.path.join(ROOT, 'tests/adversarial/wasm_run.mjs'),
                          path, ','.join(needles_of(c))], [], timeout, keep=True)
    try:
        res['result'] = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError, AttributeError):
        res['result'] = None
    return res


def fmt_mb(b):
    return '%.1f' % (b / MiB) if b is not None else '-'


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--full', action='store_true', help='the sizes named in the issues (long; needs ~30 GB disk)')
    ap.add_argument('--cli', default=os.environ.get('PCAPSCOPE_CLI', os.path.join(ROOT, 'build/release/cli/pcapscope')))
    ap.add_argument('--only', default='')
    ap.add_argument('--no-wasm', action='store_true')
    ap.add_argument('--timeout', type=float, default=600, help='seconds per command before it counts as a hang')
    ap.add_argument('--out', default=os.path.join(ROOT, 'build/adversarial'))
    ap.add_argument('--keep', action='store_true', help='keep the generated captures')
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)
    if not os.access(cli, os.X_OK):
        sys.exit('run.py: no CLI at %s (build it, or pass --cli)' % cli)
    if not os.path.exists('/usr/bin/time'):
        sys.exit('run.py: /usr/bin/time is missing (apt-get install time)')

    cases_dir = os.path.join(args.out, 'cases-full' if args.full else 'cases')
    os.makedirs(cases_dir, exist_ok=True)
    gen = [sys.executable, os.path.join(ROOT, 'tests/adversarial/generate.py'), cases_dir]
    if args.full:
        gen.append('--full')
    if args.only:
        gen += ['--only', args.only]
    t0 = time.monotonic()
    subprocess.run(gen, check=True)
    cases = json.load(open(os.path.join(cases_dir, 'cases.json')))
    # Benign references: one per power-of-two size bucket (>= 1 MiB) of the inputs' sizes.
    def size_of(c):
        return c['decompressed_bytes'] or c['bytes']
    top = (1 << 30) if args.full else (128 * MiB)
    def bucket(c):  # nearest power of two, within [1 MiB, top]; time scales by bytes from it
        return min(top, max(MiB, 1 << round(math.log2(size_of(c)))))
    buckets = sorted({bucket(c) for c in cases})
    subprocess.run([sys.executable, os.path.join(ROOT, 'tests/adversarial/generate.py'), cases_dir, '--benign',
                    ','.join(str(b) for b in buckets)], check=True)
    benign = {b['name']: b for b in json.load(open(os.path.join(cases_dir, 'benign.json')))}
    gen_seconds = time.monotonic() - t0

    cmds = cli_commands(cli)
    print('commands: %s' % ' '.join(a[0] for a in cmds), file=sys.stderr)
    benign_time = {}
    for b in buckets:
        bc = benign['benign_%d' % b]
        res, _ = run_native(cli, cmds, os.path.join(cases_dir, bc['file']), bc | {'expect': []}, args.timeout)
        benign_time[b] = (sum(r['seconds'] for r in res), bc['bytes'])

    rows, failures = [], []
    for c in cases:
        path = os.path.join(cases_dir, c['file'])
        print('running %s' % c['name'], file=sys.stderr)
        case_cmds = cmds
        if size_of(c) > (2 << 30):  # a 10 GB gzip bomb: the reader and one whole pass are enough
            case_cmds = [a for a in cmds if a[0] in ('info', 'analyze')] or cmds[:2]
        native, info = run_native(cli, case_cmds, path, c, args.timeout)
        problems = []
        for r in native:
            cmd = r['argv'][1]
            if r['timed_out']:
                problems.append('%s: no result within %ds' % (cmd, args.timeout))
            elif r['signal'] is not None or (r['rc'] is not None and r['rc'] < 0):
                problems.append('%s: killed by signal %s' % (cmd, r['signal'] or -r['rc']))
            elif r['status'] not in (0, 1):
                problems.append('%s: exit status %s (%s)' % (cmd, r['status'], r['stderr'].strip()[-200:]))
        found = sorted({n for r in native for n in r['found']})
        for group in c['expect']:
            if not any(n in found for n in group):
                problems.append('missing anomaly: one of %s' % '/'.join(group))
        counted = None
        if info is None:
            problems.append('info --json gave no summary')
        else:
            counted = info['packets'] + info['records_lost']
            if not c['count_min'] <= counted <= c['count_max']:
                problems.append('packets + records_lost = %d, expected %s' % (
                    counted, c['count_min'] if c['count_min'] == c['count_max'] else
                    '%d..%d' % (c['count_min'], c['count_max'])))
            total = size_of(c)
            if info['bytes_consumed'] + info['bytes_unparsed'] != total:
                problems.append('bytes consumed + unparsed = %d, input is %d' % (
                    info['bytes_consumed'] + info['bytes_unparsed'], total))
        flows_run = next((r for r in native if r['argv'][1] == 'flows'), None)
        if c['flows'] is not None and flows_run and flows_run['status'] == 0 and flows_run['lines'] != c['flows']:
            problems.append('flows: %d records, expected %d' % (flows_run['lines'], c['flows']))
        peak_rss = max(r['rss_kb'] for r in native) * 1024
        if peak_rss > cap_bytes(c):
            worst = max(native, key=lambda r: r['rss_kb'])
            problems.append('peak RSS %s MiB (%s) over the cap %s MiB' % (
                fmt_mb(peak_rss), worst['argv'][1], fmt_mb(cap_bytes(c))))
        secs = sum(r['seconds'] for r in native)
        bt, bsize = benign_time[bucket(c)]
        ratio = secs / (bt * size_of(c) / bsize) if bt > 0 else float('nan')

        wasm = None
        if not args.no_wasm:
            wasm = run_wasm(path, c, args.timeout)
            w = wasm['result']
            if wasm['timed_out']:
                problems.append('wasm: no result within %ds' % args.timeout)
            elif wasm['signal'] is not None:
                problems.append('wasm: node killed by signal %s' % wasm['signal'])
            elif w is None:
                problems.append('wasm: no result (%s)' % wasm['stderr'].strip()[-300:])
            elif not w['ok']:
                problems.append('wasm: %s' % (w['error'] or json.dumps(w['calls']))[:300])
            elif info is not None and (w['packets'] != info['packets'] or w['records_lost'] != info['records_lost']):
                problems.append('wasm counts %d+%d differ from native %d+%d' % (
                    w['packets'], w['records_lost'], info['packets'], info['records_lost']))
        row = {
            'name': c['name'], 'bytes': c['bytes'], 'decompressed': c['decompressed_bytes'], 'written': c['written'],
            'counted': counted, 'seconds': secs, 'benign_ratio': ratio, 'peak_rss': peak_rss, 'cap': cap_bytes(c),
            'per_command': {r['argv'][1]: {'s': round(r['seconds'], 3), 'rss_mb': round(r['rss_kb'] / 1024, 1),
                                           'status': r['status']} for r in native},
            'wasm_memory': (wasm or {}).get('result', {}) and wasm['result'].get('wasm_memory_bytes'),
            'wasm_seconds': (wasm or {}).get('result', {}) and wasm['result'].get('seconds'),
            'wasm_rss': wasm['rss_kb'] * 1024 if wasm else None,
            'wasm_found': ((wasm or {}).get('result') or {}).get('found'),
            'anomalies': found, 'info_anomalies': sorted((info or {}).get('anomaly_counts', {})),
            'note': c['note'], 'problems': problems,
        }
        rows.append(row)
        if problems:
            failures.append(row)
            print('  FAIL: %s' % '; '.join(problems), file=sys.stderr)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'report.json'), 'w') as f:
        json.dump({'full': args.full, 'commands': [a[0] for a in cmds], 'rows': rows,
                   'benign': {str(k): v for k, v in benign_time.items()}}, f, indent=1)
    lines = ['# Adversarial captures%s' % (' (--full)' if args.full else ''), '',
             'Commands: `%s` natively (under `/usr/bin/time -v`)%s. Seconds: sum over the commands; '
             'benign ratio: that time over the time of a benign capture of about the same size '
             '(scaled by bytes; captures of tiny packets have more packets per byte than the benign mix, '
             'so compare µs/packet too; timings are from a shared machine). Cap: 512 MiB + 64 B/packet + 320 B/flow (docs/limits.md).' % (
                 ' | '.join(' '.join(a) for a in cmds), '' if args.no_wasm else ' and the npm package in Node'), '',
             '| case | size MB | packets written | counted | seconds | µs/packet/command | benign ratio | '
             'peak RSS MB (cap) | wasm heap MB | node RSS MB | wasm s | anomalies | result |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        size = fmt_mb(r['bytes']) + (' (%s unpacked)' % fmt_mb(r['decompressed']) if r['decompressed'] else '')
        lines.append('| %s | %s | %d | %s | %.2f | %.1f | %.2f | %s (%s) | %s | %s | %s | %s | %s |' % (
            r['name'], size, r['written'], r['counted'], r['seconds'],
            1e6 * r['seconds'] / max(1, len(r['per_command'])) / max(1, r['written']),
            r['benign_ratio'], fmt_mb(r['peak_rss']),
            fmt_mb(r['cap']), fmt_mb(r['wasm_memory']) if r['wasm_memory'] else '-',
            fmt_mb(r['wasm_rss']) if r['wasm_rss'] else '-',
            '%.2f' % r['wasm_seconds'] if r['wasm_seconds'] else '-',
            ', '.join(r['anomalies'] or r['info_anomalies']) or '-',
            'ok' if not r['problems'] else 'FAIL: ' + '; '.join(r['problems'])))
    lines += ['', 'Per case: %s' % '', '']
    for r in rows:
        lines.append('- **%s**: %s. %s' % (r['name'], r['note'], ', '.join(
            '%s %.2fs %sMB' % (k, v['s'], v['rss_mb']) for k, v in r['per_command'].items())))
    lines += ['', 'Generation: %.0f s. Benign references: %s.' % (gen_seconds, ', '.join(
        '%s MB in %.2f s' % (fmt_mb(v[1]), v[0]) for k, v in sorted(benign_time.items())))]
    with open(os.path.join(args.out, 'report.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))
    if not args.keep:
        for name in os.listdir(cases_dir):
            if name.endswith(('.pcap', '.pcapng', '.gz')):
                os.unlink(os.path.join(cases_dir, name))
    if failures:
        print('adversarial: %d of %d cases failed' % (len(failures), len(rows)), file=sys.stderr)
        sys.exit(1)
    print('adversarial: all %d cases passed' % len(rows), file=sys.stderr)


if __name__ == '__main__':
    main()
