// Summary: the capinfos-like facts of a capture, its interfaces and its anomalies.

import { formatBytes, formatEpoch, int } from './format.js';

const $ = (selector) => document.querySelector(selector);

function addFact(list, label, value, field) {
  const dt = document.createElement('dt');
  dt.textContent = label;
  const dd = document.createElement('dd');
  dd.textContent = value;
  if (field) dd.dataset.field = field;
  list.append(dt, dd);
}

function formatName(s) {
  const order = s.byte_order === 'big' ? 'big-endian' : 'little-endian';
  if (s.format === 'pcap') return `pcap (${s.variant}, ${order}, version ${s.version})`;
  if (s.format === 'pcapng') {
    const sections = s.sections.length === 1 ? '1 section' : `${s.sections.length} sections`;
    return `pcapng (${order}, version ${s.version}, ${sections})`;
  }
  return s.format;
}

const formatDuration = (text) => (text === null || text === undefined ? 'n/a' : `${text} seconds`);

/**
 * Fills the summary panel from `s` (the object `pcapscope info --json` prints) for `file`,
 * read in `seconds`.
 */
export function renderSummary(file, s, seconds) {
  $('#summary-title').textContent = file.name ?? 'capture';
  const facts = $('#summary-facts');
  facts.replaceChildren();
  addFact(facts, 'File format', formatName(s), 'format');
  addFact(facts, 'Compression', s.compression, 'compression');
  addFact(facts, 'File size', formatBytes(file.size), 'file-size');
  addFact(facts, 'Packets', int(s.packets), 'packets');
  if (s.packets_without_timestamp) {
    addFact(facts, 'Packets without timestamp', int(s.packets_without_timestamp));
  }
  addFact(facts, 'Data size', formatBytes(s.bytes_captured), 'bytes-captured');
  if (s.bytes_original !== s.bytes_captured) {
    addFact(facts, 'Data size on the wire', formatBytes(s.bytes_original), 'bytes-original');
  }
  addFact(facts, 'Largest packet', `${int(s.max_caplen)} bytes`);
  if (s.average_packet_size !== null) {
    addFact(facts, 'Average packet size', `${s.average_packet_size.toFixed(2)} bytes`);
  }
  addFact(facts, 'First packet time', formatEpoch(s.first_time), 'first-time');
  addFact(facts, 'Last packet time', formatEpoch(s.last_time), 'last-time');
  addFact(facts, 'Capture duration', formatDuration(s.duration), 'duration');
  if (s.data_rate_bytes_per_s !== null) {
    addFact(facts, 'Data rate', `${int(Math.round(s.data_rate_bytes_per_s))} bytes/s`);
    addFact(facts, 'Packet rate', `${s.packet_rate_per_s.toFixed(2)} packets/s`);
  }
  addFact(facts, 'Strict time order', s.time_ordered ? 'yes' : 'no', 'time-ordered');
  if (s.records_lost) addFact(facts, 'Records lost', int(s.records_lost), 'records-lost');
  if (s.bytes_unparsed) addFact(facts, 'Bytes not parsed', formatBytes(s.bytes_unparsed), 'bytes-unparsed');
  if (s.error) addFact(facts, 'Reading stopped', s.error, 'error');
  const mbPerSec = file.size / 1e6 / Math.max(seconds, 1e-6);
  addFact(facts, 'Read in', `${seconds.toFixed(2)} s (${mbPerSec.toFixed(1)} MB/s)`, 'read-in');

  const rows = s.interfaces.map((iface) => {
    const tr = document.createElement('tr');
    const name = [iface.name, iface.description].filter(Boolean).join(' — ');
    const linkType = iface.link_type_description || iface.link_type_name || 'unknown';
    const cells = [
      iface.index,
      `${linkType} (${iface.link_type_name || '?'}, ${iface.link_type})`,
      iface.snaplen === 0 ? 'none' : int(iface.snaplen),
      int(iface.packets),
      name,
    ];
    for (const value of cells) {
      const td = document.createElement('td');
      td.textContent = String(value);
      tr.append(td);
    }
    return tr;
  });
  $('#summary-interfaces tbody').replaceChildren(...rows);

  const list = $('#summary-anomalies');
  const items = s.anomalies.map((a) => {
    const li = document.createElement('li');
    li.className = a.severity;
    const code = document.createElement('code');
    code.textContent = a.code;
    li.append(code, ` at offset ${int(a.offset)}: ${a.message}`);
    return li;
  });
  if (s.anomaly_total > s.anomalies.length) {
    const li = document.createElement('li');
    li.textContent = `… and ${int(s.anomaly_total - s.anomalies.length)} more`;
    items.push(li);
  }
  list.replaceChildren(...items);
  $('#summary-anomaly-count').textContent = s.anomaly_total ? `(${int(s.anomaly_total)})` : '(none)';
}
