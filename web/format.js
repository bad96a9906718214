// Formatting helpers shared by the views: numbers, byte sizes, times and addresses as text.

const numberFormat = new Intl.NumberFormat('en-US');

/** 1234567 → "1,234,567". */
export const int = (n) => numberFormat.format(n);

/** Integer or "" when absent. */
export const optionalInt = (n) => (typeof n === 'number' ? int(n) : '');

/** Seconds with six decimals, or "" when absent. */
export const formatSeconds = (s) => (typeof s === 'number' ? s.toFixed(6) : '');

/** 1234 → "1.23 kB (1,234 bytes)"; `short` drops the exact count. */
export function formatBytes(n, { short = false } = {}) {
  if (n < 1000) return `${int(n)} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const text = `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
  return short ? text : `${text} (${int(n)} bytes)`;
}

/** "1388651869.848747" (epoch seconds as the core prints them) → UTC date with all digits. */
export function formatEpoch(text) {
  if (text === null || text === undefined) return 'n/a';
  const match = /^(-?\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const date = new Date(Number(match[1]) * 1000);
  if (Number.isNaN(date.getTime())) return text;
  const iso = date.toISOString().replace(/\.000Z$/, '').replace('T', ' ');
  return `${iso}${match[2] ? `.${match[2]}` : ''} UTC`;
}

/** Zeek seconds (a number with six decimals) → "2014-01-02 08:37:49.848747". */
export function formatTs(ts) {
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return '';
  const text = formatEpoch(ts.toFixed(6));
  return text.endsWith(' UTC') ? text.slice(0, -4) : text;
}

/** "10.0.0.1:80", "[2001:db8::1]:443". */
export const hostPort = (host, port) =>
  (port === undefined || port === null ? host : host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/** Sort key of an address and port: IPv4 numerically, then IPv6, port last. */
export function addressKey(host, port = 0) {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host ?? '');
  const p = String(port ?? 0).padStart(5, '0');
  if (v4) return `4 ${v4.slice(1).map((o) => o.padStart(3, '0')).join('.')} ${p}`;
  return `6 ${host} ${p}`;
}

/** Field name of an address in a display filter: ip.addr, ipv6.addr or eth.addr. */
export function addressField(address) {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(address)) return 'ip.addr';
  if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(address)) return 'eth.addr';
  return 'ipv6.addr';
}

/**
 * The display filter of a Zeek-style record's connection (id.orig_h/p, id.resp_h/p, proto), as
 * Wireshark's conversation filter: both addresses and both ports, in either direction.
 */
export function connectionFilter(record) {
  const a = record['id.orig_h'];
  const b = record['id.resp_h'];
  const field = addressField(a);
  const parts = [`${field} == ${a}`, `${field} == ${b}`];
  const proto = record.proto;
  if (proto === 'tcp' || proto === 'udp') {
    parts.push(`${proto}.port == ${record['id.orig_p']}`, `${proto}.port == ${record['id.resp_p']}`);
  } else if (proto === 'icmp') {
    parts.push(field === 'ipv6.addr' ? 'icmpv6' : 'icmp');
  }
  return parts.join(' && ');
}
