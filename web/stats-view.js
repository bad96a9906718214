// Statistics as bar charts with their numbers beside them (protocol breakdown, top talkers by
// bytes and by packets, top services, packet sizes), and the protocol hierarchy as an indented
// table. Bars are plain elements sized through the CSSOM (no inline markup, CSP-safe).

import { formatBytes, int } from './format.js';
import { download, toCsv } from './download.js';

/**
 * A chart table: one row per item with its label, a bar proportional to `metric`, and numbers.
 * @param {string} title
 * @param {object[]} items
 * @param {{label: (x: object) => string, metric: (x: object) => number, columns: [string, (x: object) => string][]}} spec
 */
function chart(title, items, spec, fileStem, id) {
  const section = document.createElement('section');
  section.className = 'chart';
  section.id = id;
  const head = document.createElement('div');
  head.className = 'chart-head';
  const h = document.createElement('h3');
  h.textContent = title;
  const csv = document.createElement('button');
  csv.type = 'button';
  csv.className = 'small';
  csv.textContent = 'CSV';
  csv.title = `Download “${title}” as CSV`;
  csv.addEventListener('click', () => {
    const header = ['label', ...spec.columns.map(([name]) => name)];
    const rows = items.map((x) => [spec.label(x), ...spec.columns.map(([, f]) => f(x, true))]);
    download(`${fileStem()}-${id}.csv`, toCsv(header, rows), 'text/csv');
  });
  head.append(h, csv);
  const table = document.createElement('table');
  table.className = 'chart-table';
  const caption = document.createElement('caption');
  caption.className = 'visually-hidden';
  caption.textContent = title;
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const name of ['', 'share', ...spec.columns.map(([n]) => n)]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    if (name && name !== 'share') th.className = 'numeric';
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement('tbody');
  const max = Math.max(1e-9, ...items.map(spec.metric));
  for (const x of items) {
    const row = document.createElement('tr');
    const label = document.createElement('th');
    label.scope = 'row';
    label.textContent = spec.label(x);
    const barCell = document.createElement('td');
    barCell.className = 'bar-cell';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * spec.metric(x)) / max}%`;
    barCell.append(bar);
    row.append(label, barCell);
    for (const [, f] of spec.columns) {
      const td = document.createElement('td');
      td.className = 'numeric';
      td.textContent = f(x, false);
      row.append(td);
    }
    tbody.append(row);
  }
  table.append(caption, thead, tbody);
  section.append(head, table);
  if (!items.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = 'Nothing to show.';
    section.append(p);
  }
  return section;
}

const pct = (part, whole) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : '');
const num = (raw) => (x) => (raw ? x : int(x));

/** Renders the statistics object of the worker ({protocols, sizes, talkersBy…, services}). */
export function renderStatistics(root, stats, fileStem) {
  root.replaceChildren();
  const totalPackets = stats.protocols.reduce((s, p) => s + p.packets, 0);
  const totalBytes = stats.protocols.reduce((s, p) => s + p.bytes, 0);
  const packetsCol = ['packets', (x, raw) => num(raw)(x.packets)];
  const bytesCol = ['bytes', (x, raw) => (raw ? x.bytes : formatBytes(x.bytes, { short: true }))];
  root.append(
    chart('Protocols (highest layer per packet)', stats.protocols, {
      label: (x) => x.name,
      metric: (x) => x.packets,
      columns: [packetsCol, ['% packets', (x) => pct(x.packets, totalPackets)], bytesCol,
        ['% bytes', (x) => pct(x.bytes, totalBytes)]],
    }, fileStem, 'stats-protocols'),
    chart('Top talkers by bytes', stats.talkersByBytes, {
      label: (x) => x.address, metric: (x) => x.bytes, columns: [bytesCol, packetsCol],
    }, fileStem, 'stats-talkers-bytes'),
    chart('Top talkers by packets', stats.talkersByPackets, {
      label: (x) => x.address, metric: (x) => x.packets, columns: [packetsCol, bytesCol],
    }, fileStem, 'stats-talkers-packets'),
    chart('Top destination ports / services (by flows)', stats.services, {
      label: (x) => (x.service ? `${x.port} (${x.service})` : x.port),
      metric: (x) => x.flows,
      columns: [['flows', (x, raw) => num(raw)(x.flows)], packetsCol, bytesCol],
    }, fileStem, 'stats-services'),
    ...(stats.serviceTotals ? [chart('Services (by flows)', stats.serviceTotals, {
      label: (x) => x.service || '(unknown)', metric: (x) => x.flows,
      columns: [['flows', (x, raw) => num(raw)(x.flows)], packetsCol, bytesCol],
    }, fileStem, 'stats-service-totals')] : []),
    chart('Packet sizes (bytes on the wire)', stats.sizes, {
      label: (x) => x.label, metric: (x) => x.packets,
      columns: [packetsCol, ['% packets', (x) => pct(x.packets, totalPackets)]],
    }, fileStem, 'stats-sizes'),
  );
}

/** Children of a hierarchy node, whatever the package calls them. */
const kids = (node) => node?.children ?? node?.protocols ?? node?.nodes ?? [];

/**
 * Renders the protocol hierarchy (nodes {name|protocol, packets|frames, bytes, children}) as an
 * indented table with bars; `null` shows `fallbackText`.
 */
export function renderHierarchy(root, hierarchy, fallbackText) {
  root.replaceChildren();
  if (!hierarchy) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = fallbackText;
    root.append(p);
    return;
  }
  const roots = Array.isArray(hierarchy) ? hierarchy : [hierarchy];
  const packetsOf = (n) => n.packets ?? n.frames ?? n.count ?? 0;
  const total = Math.max(1, ...roots.map(packetsOf));
  const table = document.createElement('table');
  table.className = 'chart-table hierarchy';
  table.setAttribute('role', 'treegrid');
  table.setAttribute('aria-label', 'Protocol hierarchy');
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const name of ['Protocol', 'share of packets', 'packets', '% packets', 'bytes']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    if (name !== 'Protocol' && name !== 'share of packets') th.className = 'numeric';
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement('tbody');
  const walk = (node, depth) => {
    const row = document.createElement('tr');
    row.setAttribute('aria-level', String(depth + 1));
    const name = document.createElement('th');
    name.scope = 'row';
    name.className = `depth-${Math.min(depth, 12)}`;
    name.textContent = node.name ?? node.protocol ?? node.label ?? '?';
    const barCell = document.createElement('td');
    barCell.className = 'bar-cell';
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${(100 * packetsOf(node)) / total}%`;
    barCell.append(bar);
    const cells = [int(packetsOf(node)), pct(packetsOf(node), total),
      typeof node.bytes === 'number' ? formatBytes(node.bytes, { short: true }) : ''];
    row.append(name, barCell);
    for (const text of cells) {
      const td = document.createElement('td');
      td.className = 'numeric';
      td.textContent = text;
      row.append(td);
    }
    tbody.append(row);
    for (const child of kids(node)) walk(child, depth + 1);
  };
  for (const node of roots) walk(node, 0);
  table.append(thead, tbody);
  root.append(table);
}
