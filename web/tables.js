// Columns of the log tables: Conversations (conn.log), Endpoints, DNS (dns.log), and the
// application logs (HTTP, TLS, QUIC, DHCP, exported objects) whose columns are the preferred
// Zeek fields present in the records (else every field seen).

import { addressKey, formatSeconds, formatTs, hostPort, int, optionalInt } from './format.js';

/** Any value as cell text: arrays joined with ", ", objects as JSON, absent as "". */
export function cellText(value) {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(cellText).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const origColumn = (label = 'Originator') => ({
  key: 'orig', label, value: (r) => hostPort(r['id.orig_h'], r['id.orig_p']),
  sort: (r) => addressKey(r['id.orig_h'], r['id.orig_p']),
});
const respColumn = (label = 'Responder') => ({
  key: 'resp', label, value: (r) => hostPort(r['id.resp_h'], r['id.resp_p']),
  sort: (r) => addressKey(r['id.resp_h'], r['id.resp_p']),
});
const tsColumn = (label = 'Time (UTC)') => ({ key: 'ts', label, value: (r) => formatTs(r.ts), sort: (r) => r.ts, numeric: true });

export const CONVERSATION_COLUMNS = [
  { key: 'flow_id', label: 'Flow', value: (r) => optionalInt(r.flow_id), sort: (r) => r.flow_id, numeric: true },
  tsColumn('Start (UTC)'),
  origColumn(),
  respColumn(),
  { key: 'proto', label: 'Proto', value: (r) => r.proto },
  { key: 'service', label: 'Service', value: (r) => r.service ?? '' },
  { key: 'duration', label: 'Duration (s)', value: (r) => formatSeconds(r.duration), sort: (r) => r.duration, numeric: true },
  { key: 'orig_bytes', label: 'Orig bytes', value: (r) => optionalInt(r.orig_bytes), sort: (r) => r.orig_bytes, numeric: true },
  { key: 'resp_bytes', label: 'Resp bytes', value: (r) => optionalInt(r.resp_bytes), sort: (r) => r.resp_bytes, numeric: true },
  {
    key: 'packets', label: 'Packets', value: (r) => int(r.orig_pkts + r.resp_pkts),
    sort: (r) => r.orig_pkts + r.resp_pkts, numeric: true,
  },
  { key: 'conn_state', label: 'State', value: (r) => r.conn_state },
  { key: 'history', label: 'History', value: (r) => r.history ?? '' },
];

export const ENDPOINT_COLUMNS = [
  { key: 'address', label: 'Address', value: (r) => r.address, sort: (r) => addressKey(r.address) },
  { key: 'type', label: 'Type', value: (r) => r.type },
  { key: 'packets', label: 'Packets', value: (r) => int(r.packets), sort: (r) => r.packets, numeric: true },
  { key: 'bytes', label: 'Bytes', value: (r) => int(r.bytes), sort: (r) => r.bytes, numeric: true },
  { key: 'tx_packets', label: 'Tx packets', value: (r) => int(r.tx_packets), sort: (r) => r.tx_packets, numeric: true },
  { key: 'tx_bytes', label: 'Tx bytes', value: (r) => int(r.tx_bytes), sort: (r) => r.tx_bytes, numeric: true },
  { key: 'rx_packets', label: 'Rx packets', value: (r) => int(r.rx_packets), sort: (r) => r.rx_packets, numeric: true },
  { key: 'rx_bytes', label: 'Rx bytes', value: (r) => int(r.rx_bytes), sort: (r) => r.rx_bytes, numeric: true },
  { key: 'flows', label: 'Flows', value: (r) => optionalInt(r.flows), sort: (r) => r.flows, numeric: true },
  { key: 'first_ts', label: 'First (UTC)', value: (r) => formatTs(r.first_ts), sort: (r) => r.first_ts, numeric: true },
  { key: 'last_ts', label: 'Last (UTC)', value: (r) => formatTs(r.last_ts), sort: (r) => r.last_ts, numeric: true },
];

export const DNS_COLUMNS = [
  tsColumn(),
  origColumn('Client'),
  respColumn('Server'),
  { key: 'query', label: 'Query', value: (r) => r.query ?? '' },
  { key: 'qtype_name', label: 'Type', value: (r) => r.qtype_name ?? '' },
  { key: 'rcode_name', label: 'Rcode', value: (r) => r.rcode_name ?? '' },
  { key: 'answers', label: 'Answers', value: (r) => (r.answers ?? []).join(', ') },
  { key: 'rtt', label: 'RTT (s)', value: (r) => formatSeconds(r.rtt), sort: (r) => r.rtt, numeric: true },
];

/** Preferred fields of the application logs, in column order (Zeek names). */
export const PREFERRED = {
  http: ['method', 'host', 'uri', 'status_code', 'status_msg', 'version', 'user_agent', 'referrer',
    'request_body_len', 'response_body_len', 'resp_mime_types', 'orig_mime_types', 'request_frame', 'response_frame'],
  tls: ['server_name', 'version', 'cipher', 'curve', 'client_alpn', 'next_protocol', 'ja3', 'ja3s', 'ja4', 'ja4s',
    'established', 'resumed', 'ssl_history', 'subject', 'issuer', 'cert_chain_fps', 'validation_status',
    'client_hello_frame', 'server_hello_frame'],
  quic: ['version', 'server_name', 'client_protocol', 'client_initial_dcid', 'server_scid', 'history'],
  dhcp: ['msg_types', 'mac', 'host_name', 'client_addr', 'server_addr', 'requested_addr', 'assigned_addr',
    'lease_time', 'domain', 'client_fqdn', 'trans_id'],
  objects: ['filename', 'hostname', 'content_type', 'size', 'complete', 'frame', 'flow_id', 'kind'],
};

const NUMERIC = /(^|_)(len|size|code|time|packet|frame|trans_id|depth|count|bytes|number|id)$|^(size|packet|frame)$/;

/**
 * Columns of an application log: time and endpoints when the records have them, then the
 * preferred fields present, else every field seen in the first records.
 */
export function columnsFor(name, records) {
  const seen = new Set();
  for (const r of records.slice(0, 500)) for (const k of Object.keys(r)) seen.add(k);
  const columns = [];
  if (seen.has('ts')) columns.push(tsColumn());
  if (seen.has('id.orig_h')) columns.push(origColumn('Client'), respColumn('Server'));
  let keys = (PREFERRED[name] ?? []).filter((k) => seen.has(k));
  if (keys.length < 2) {
    keys = [...seen].filter((k) => k !== 'ts' && !k.startsWith('id.') && k !== 'uid');
  }
  for (const key of keys) {
    const numeric = NUMERIC.test(key) && !/mime|types/.test(key);
    columns.push({
      key, label: key, value: (r) => cellText(r[key]),
      sort: numeric ? (r) => (typeof r[key] === 'number' ? r[key] : undefined) : undefined,
      numeric,
    });
  }
  if (seen.has('uid')) columns.push({ key: 'uid', label: 'uid', value: (r) => r.uid ?? '' });
  return columns;
}
