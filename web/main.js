// The page: picks a capture (drop, file picker, sample), hands it to the worker (engine.js),
// shows progress, then the views as tabs — Summary, Timeline, Statistics, Protocols, Packets,
// Conversations, Endpoints, DNS, HTTP, TLS, QUIC, DHCP, Follow — under one display-filter bar.
// The view state (tab, filter, time range, selected packet, followed flow) lives in the URL
// hash. It never touches wasm: the worker owns the module and answers calls.
import { Engine } from './engine.js';
import { FilterBar } from './filter-bar.js';
import { FollowView } from './follow-view.js';
import { addressField, connectionFilter, formatBytes, int } from './format.js';
import { PacketDetail } from './packet-detail.js';
import { PacketList } from './packet-list.js';
import { RecordTable } from './record-table.js';
import { renderHierarchy, renderStatistics } from './stats-view.js';
import { renderSummary } from './summary-view.js';
import { CONVERSATION_COLUMNS, DNS_COLUMNS, ENDPOINT_COLUMNS, columnsFor } from './tables.js';
import { TimelineView } from './timeline-view.js';
import { download, stem } from './download.js';

const $ = (selector) => document.querySelector(selector);

/** Samples tried in order by "Open sample" (web/public/, made by scripts/make-sample.sh). */
const SAMPLES = ['sample.pcapng'];

/**
 * The tabs: id, label, and the capture method a tab needs (hidden when this build of the
 * package lacks it).
 */
const TABS = [
  { id: 'summary', label: 'Summary' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'statistics', label: 'Statistics' },
  { id: 'hierarchy', label: 'Protocols' },
  { id: 'packets', label: 'Packets' },
  { id: 'conversations', label: 'Conversations' },
  { id: 'endpoints', label: 'Endpoints' },
  { id: 'dns', label: 'DNS' },
  { id: 'http', label: 'HTTP', needs: 'http' },
  { id: 'tls', label: 'TLS', needs: 'tls' },
  { id: 'quic', label: 'QUIC', needs: 'quic', ifRows: true },
  { id: 'dhcp', label: 'DHCP', needs: 'dhcp', ifRows: true },
  { id: 'follow', label: 'Follow stream', needs: 'follow' },
];
// (`ifRows`: shown only when the capture has records of that log.)

// ---------------------------------------------------------------------------------------------
// State

let requestId = 0;
/** {id, file} of the capture being read. */
let active = null;
/**
 * The capture shown: {id, file, summary, packetCount, caps: Set, t0 (epoch s of the first
 * packet), loaded: Set of lazily loaded views}.
 */
let capture = null;
/** View state mirrored in the URL hash. */
const state = { tab: 'summary', filter: '', time: null, packet: 0, flow: 0 };
/** The packet list's rows under the current filter: {id, count, numbers} or null (all). */
let selection = null;
let selectionSeq = 0;

const engine = new Engine(onWorkerMessage, onEngineFailure);
const ask = (method, args) => engine.ask(capture?.id, method, args);
const fileStem = () => stem(capture?.file?.name);

// ---------------------------------------------------------------------------------------------
// Views

const detail = new PacketDetail($('#detail-tree'), $('#detail-hex'));
let detailWanted = 0;  // packet number last asked for (older replies are ignored)
let detailPacket = null;

const packetList = new PacketList(
  $('#packet-list'),
  (start, count) => ask('rows', { start, count, selectionId: selection?.id }),
  (row) => showPacket(selection ? selection.numbers[row] : row + 1),
);

const filterBar = new FilterBar($('#filter-form'), (expr) => {
  state.filter = expr;
  applyFilters();
}, () => {
  state.time = null;
  applyFilters();
});

const timeline = new TimelineView($('#timeline-chart'), $('#timeline-facts'), (range) => {
  state.time = range;
  applyFilters();
});

const follow = new FollowView($('#panel-follow'), {
  onPacket: (number) => gotoPacket(number),
  onPackets: (flowId) => {
    // As Wireshark's Follow Stream: the packets of this stream exactly (tcp.stream eq N), not
    // every connection between the two address/port pairs (VLANs, port reuse).
    const { proto, stream } = follow.result?.summary ?? {};
    if ((proto === 'tcp' || proto === 'udp') && Number.isInteger(stream)) {
      setFilterAndShowPackets(`${proto}.stream == ${stream}`);
      return;
    }
    const record = flowById(flowId);
    if (record) showConnectionPackets(record);
  },
  fileStem,
});

const rowActions = (withFollow) => [
  { label: 'Packets', title: 'Show the packets of this connection', run: (r) => showConnectionPackets(r) },
  ...(withFollow ? [{ label: 'Follow', title: 'Follow this stream', run: (r) => followRecord(r) }] : []),
];

const tables = {
  conversations: new RecordTable($('#panel-conversations'), {
    name: 'conversations', label: 'conversations', columns: CONVERSATION_COLUMNS,
    actions: rowActions(true), fileStem,
  }),
  endpoints: new RecordTable($('#panel-endpoints'), {
    name: 'endpoints', label: 'endpoints', columns: ENDPOINT_COLUMNS, fileStem,
    actions: [{
      label: 'Packets', title: 'Show the packets of this endpoint',
      run: (r) => setFilterAndShowPackets(`${addressField(r.address)} == ${r.address}`),
    }],
  }),
  dns: new RecordTable($('#panel-dns'), {
    name: 'dns', label: 'DNS transactions', columns: DNS_COLUMNS, actions: rowActions(false), fileStem,
  }),
};
/** Tables made when their records arrive (columns depend on the fields present). */
const LATE_TABLES = {
  http: { container: '#http-log', label: 'HTTP transactions', follow: true },
  tls: { container: '#panel-tls', label: 'TLS connections', follow: true },
  quic: { container: '#panel-quic', label: 'QUIC connections', follow: false },
  dhcp: { container: '#panel-dhcp', label: 'DHCP transactions', follow: false },
  objects: { container: '#objects-log', label: 'exported objects', follow: false },
};
/** Which table is shown on which tab. */
const TABLE_TAB = { conversations: 'conversations', endpoints: 'endpoints', dns: 'dns', http: 'http',
  tls: 'tls', quic: 'quic', dhcp: 'dhcp', objects: 'http' };
/**
 * A table with more rows than this is fetched when its tab is first shown instead of right
 * after reading: records cross from the worker as objects, which for hundreds of thousands of
 * rows keeps the worker (and every view waiting on it) and the page busy for seconds.
 */
const EAGER_TABLE_ROWS = (() => {
  // `?eager-rows=N` in the page's URL changes the threshold (tests, very fast or slow machines).
  const n = Number(new URLSearchParams(location.search).get('eager-rows') ?? NaN);
  return Number.isSafeInteger(n) && n >= 0 ? n : 20000;
})();

// ---------------------------------------------------------------------------------------------
// Tabs

const tabButtons = new Map();
for (const tab of TABS) {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = `tab-${tab.id}`;
  b.setAttribute('role', 'tab');
  b.setAttribute('aria-controls', `panel-${tab.id}`);
  b.setAttribute('aria-selected', 'false');
  b.tabIndex = -1;
  const label = document.createElement('span');
  label.textContent = tab.label;
  const badge = document.createElement('span');
  badge.className = 'badge';
  b.append(label, badge);
  b.addEventListener('click', () => selectTab(tab.id));
  $('#tabs').append(b);
  $(`#panel-${tab.id}`).setAttribute('aria-labelledby', b.id);
  tabButtons.set(tab.id, b);
}
$('#tabs').addEventListener('keydown', (event) => {
  const visible = TABS.filter((t) => !tabButtons.get(t.id).hidden).map((t) => t.id);
  const at = visible.indexOf(state.tab);
  const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: visible.length - 1 };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = visible[(moves[event.key] + visible.length) % visible.length];
  selectTab(next);
  tabButtons.get(next).focus();
});

function setBadge(tab, text) {
  tabButtons.get(tab).querySelector('.badge').textContent = text;
}

/** Shows tab `id` (loading its data the first time for this capture). */
function selectTab(id) {
  if (!tabButtons.has(id) || tabButtons.get(id).hidden) id = 'summary';
  state.tab = id;
  for (const [tab, button] of tabButtons) {
    const on = tab === id;
    button.setAttribute('aria-selected', String(on));
    button.tabIndex = on ? 0 : -1;
    $(`#panel-${tab}`).hidden = !on;
  }
  if (capture) loadTab(id);
  writeHash();
}

/** Loads the data of a lazily filled tab once per capture. */
async function loadTab(id) {
  const c = capture;
  for (const name of availableTables(c)) {
    if (TABLE_TAB[name] === id) ensureTable(c, name);
  }
  if (c.loaded.has(id)) return;
  c.loaded.add(id);
  try {
    if (id === 'timeline') {
      const t = await ask('timeline', { maxBuckets: 400 });
      if (capture === c) timeline.show(t);
    } else if (id === 'statistics') {
      const stats = await ask('statistics');
      if (capture === c) renderStatistics($('#statistics'), stats, fileStem);
    } else if (id === 'hierarchy') {
      const h = await ask('hierarchy');
      if (capture === c) {
        renderHierarchy($('#hierarchy'), h,
          'The protocol hierarchy needs a newer pcapscope package; Statistics shows the highest protocol per packet.');
      }
    }
  } catch (error) {
    if (capture !== c) return;
    c.loaded.delete(id);
    const panel = $(`#panel-${id}`);
    const p = document.createElement('p');
    p.className = 'error-text';
    p.textContent = `Cannot show this view: ${error.message}`;
    panel.append(p);
  }
}

// ---------------------------------------------------------------------------------------------
// URL hash: #tab=packets&filter=…&time=a,b&packet=N&flow=F

let writingHash = false;
function writeHash() {
  const p = new URLSearchParams();
  p.set('tab', state.tab);
  if (state.filter) p.set('filter', state.filter);
  if (state.time) p.set('time', state.time.map((v) => v.toFixed(6)).join(','));
  if (state.packet) p.set('packet', String(state.packet));
  if (state.flow) p.set('flow', String(state.flow));
  const hash = `#${p.toString()}`;
  if (location.hash !== hash) {
    writingHash = true;
    history.replaceState(null, '', hash);
    writingHash = false;
  }
}

function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const time = (p.get('time') ?? '').split(',').map(Number);
  return {
    tab: p.get('tab') ?? 'summary',
    filter: p.get('filter') ?? '',
    time: time.length === 2 && time.every(Number.isFinite) ? time : null,
    packet: Number(p.get('packet')) || 0,
    flow: Number(p.get('flow')) || 0,
  };
}

/** Applies the hash's state to the shown capture. */
async function applyHash() {
  const h = readHash();
  const filtersChanged = h.filter !== state.filter || String(h.time) !== String(state.time);
  Object.assign(state, { filter: h.filter, time: h.time });
  filterBar.value = h.filter;
  selectTab(h.tab);
  if (!capture) return;
  if (filtersChanged || selection === null) await applyFilters();
  if (h.flow && h.flow !== follow.result?.flowId) followFlow(h.flow);
  if (h.packet) gotoPacket(h.packet, { switchTab: false });
}

window.addEventListener('hashchange', () => {
  if (!writingHash) applyHash();
});

// ---------------------------------------------------------------------------------------------
// Filters: the display filter and the brushed time range select the packets (and exports);
// the time range narrows every table, and the display filter narrows the conversation and log
// tables to the flows of the packets it selects (a record matches when its connection has a
// matching packet; endpoints are narrowed by time only).

function combinedFilter() {
  const time = state.time
    ? `frame.time_relative >= ${state.time[0].toFixed(6)} && frame.time_relative <= ${state.time[1].toFixed(6)}`
    : '';
  if (state.filter && time) return { expr: `(${state.filter}) && ${time}`, shift: 1 };
  return { expr: state.filter || time, shift: 0 };
}

/** The rows table `name` keeps under the current filter and time range (null: all). */
let tablePredicate = () => null;

/** Runs the filter over the packets and narrows the tables; updates the status. */
async function applyFilters() {
  writeHash();
  filterBar.clearError();
  filterBar.setTimeRange(state.time);
  if (!capture) return;
  const c = capture;
  const range = state.time && [c.t0 + state.time[0], c.t0 + state.time[1]];
  const inRange = range && ((r) => {
    const start = r.ts ?? r.first_ts;
    const end = r.last_ts ?? (typeof r.duration === 'number' ? r.ts + r.duration : start);
    return typeof start !== 'number' || (end >= range[0] - 1e-6 && start <= range[1] + 1e-6);
  });
  const setPredicates = (flows, uids) => {
    const byFlow = flows && ((r) => {
      if (r.flow_id !== undefined) return flows.has(r.flow_id);
      if (r.uid !== undefined) return uids.has(r.uid);
      if (Array.isArray(r.uids)) return r.uids.some((u) => uids.has(u));
      return true;
    });
    tablePredicate = (name) => {
      const f = name === 'endpoints' ? null : byFlow;
      return inRange && f ? (r) => inRange(r) && f(r) : (inRange || f || null);
    };
    for (const [name, table] of Object.entries(tables)) table.setPredicate(tablePredicate(name));
  };
  setPredicates(null, null);

  const { expr, shift } = combinedFilter();
  const total = c.packetCount;
  if (!expr) {
    selection = null;
    filterBar.setStatus('');
    packetList.reset(total);
    setBadge('packets', int(total));
    $('#packets-count').textContent = `${int(total)} packets`;
    return;
  }
  if (!c.caps.has('select')) {
    filterBar.showError(new Error('Display filters need a newer pcapscope package (capture.select).'), expr);
    return;
  }
  const id = ++selectionSeq;
  filterBar.setStatus('Filtering…');
  try {
    const result = await ask('select', { expr, selectionId: id });
    if (capture !== c || id !== selectionSeq) return;
    selection = { id, count: result.count, numbers: result.numbers };
    if (state.filter && result.flows) setPredicates(new Set(result.flows), new Set(result.uids));
    packetList.reset(result.count);
    const text = `${int(result.count)} of ${int(total)} packets`;
    filterBar.setStatus(text);
    setBadge('packets', `${int(result.count)}/${int(total)}`);
    $('#packets-count').textContent = `${text} (${(100 * result.count / Math.max(1, total)).toFixed(1)} %)`;
  } catch (error) {
    if (capture !== c || id !== selectionSeq) return;
    filterBar.setStatus('');
    const shifted = Object.assign(new Error(error.message), error);
    for (const k of ['start', 'end', 'offset', 'position', 'column']) {
      if (typeof error[k] === 'number') shifted[k] = error[k] - shift;
    }
    filterBar.showError(shifted, state.filter || expr);
  }
}

function setFilterAndShowPackets(expr) {
  state.filter = expr;
  filterBar.value = expr;
  selectTab('packets');
  applyFilters();
}

const showConnectionPackets = (record) => setFilterAndShowPackets(connectionFilter(record));

// ---------------------------------------------------------------------------------------------
// Packets

async function showPacket(number) {
  detailWanted = number;
  state.packet = number;
  writeHash();
  $('#detail-title').textContent = `Packet ${int(number)}`;
  $('#follow-packet').disabled = true;
  try {
    const packet = await ask('packet', { number });
    if (number !== detailWanted) return;
    detail.show(packet);
    detailPacket = packet;
    // Until the conversations are fetched (large captures), the button looks the flow up on click.
    const known = capture?.tablesReady.has('conversations');
    $('#follow-packet').disabled = !capture?.caps.has('follow') || (known && !flowOfPacket(packet));
  } catch (error) {
    if (number === detailWanted) detail.clear(`Cannot show packet ${number}: ${error.message}`);
  }
}

/** Selects packet `number` in the list (if the filter shows it) and shows its detail. */
function gotoPacket(number, { switchTab = true } = {}) {
  let row = number - 1;
  if (selection) {
    row = lowerBound(selection.numbers, number);
    if (selection.numbers[row] !== number) row = -1;
  }
  if (switchTab) selectTab('packets');
  if (row >= 0 && row < packetList.count) packetList.select(row);
  else showPacket(number);
}

function lowerBound(sorted, value) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last value of field `name` in a packet's tree (the innermost header), or undefined. */
function fieldValue(nodes, name) {
  let found;
  const walk = (list) => {
    for (const n of list) {
      if (n.name === name) found = n.value;
      walk(n.children);
    }
  };
  walk(nodes);
  return found;
}

/** The conversation record a packet belongs to (by its addresses and ports), or null. */
function flowOfPacket(packet) {
  const flows = tables.conversations.records;
  const f = packet.fields;
  const src = fieldValue(f, 'ipv6.src') ?? fieldValue(f, 'ip.src');
  const dst = fieldValue(f, 'ipv6.dst') ?? fieldValue(f, 'ip.dst');
  const proto = fieldValue(f, 'tcp.srcport') !== undefined ? 'tcp' : fieldValue(f, 'udp.srcport') !== undefined ? 'udp' : null;
  if (!src || !proto) return null;
  const sp = Number(fieldValue(f, `${proto}.srcport`));
  const dp = Number(fieldValue(f, `${proto}.dstport`));
  const time = Number(fieldValue(f, 'frame.time_epoch'));
  const matches = flows.filter((r) => r.proto === proto && (
    (r['id.orig_h'] === src && r['id.orig_p'] === sp && r['id.resp_h'] === dst && r['id.resp_p'] === dp) ||
    (r['id.orig_h'] === dst && r['id.orig_p'] === dp && r['id.resp_h'] === src && r['id.resp_p'] === sp)));
  if (matches.length <= 1 || !Number.isFinite(time)) return matches[0] ?? null;
  return matches.filter((r) => r.ts <= time + 1e-6).at(-1) ?? matches[0];
}

$('#follow-packet').addEventListener('click', async () => {
  const packet = detailPacket;
  if (!packet || !capture) return;
  await ensureTable(capture, 'conversations');
  const record = flowOfPacket(packet);
  if (record) followRecord(record);
  else showError(`Packet ${packet.number} belongs to no TCP or UDP conversation.`);
});

async function exportPackets(format) {
  if (!capture?.caps.has('exportCapture')) {
    showError('Export needs a newer pcapscope package (capture.exportCapture).');
    return;
  }
  const button = $(`#export-${format}`);
  button.disabled = true;
  try {
    const bytes = await ask('exportCapture', { format, selectionId: selection?.id });
    const suffix = selection ? '-filtered' : '';
    download(`${fileStem()}${suffix}.${format}`, bytes, 'application/vnd.tcpdump.pcap');
  } catch (error) {
    showError(`Export failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}
$('#export-pcap').addEventListener('click', () => exportPackets('pcap'));
$('#export-pcapng').addEventListener('click', () => exportPackets('pcapng'));

// ---------------------------------------------------------------------------------------------
// Follow stream

const flowById = (flowId) => tables.conversations.records.find((r) => r.flow_id === flowId) ?? null;

/** Follows the connection of a log record (a conversation, or an HTTP/TLS record by uid). */
async function followRecord(record) {
  if (!capture?.caps.has('follow')) {
    showError('Follow stream needs a newer pcapscope package (capture.follow).');
    return;
  }
  if (record.flow_id === undefined) await ensureTable(capture, 'conversations');
  const flow = record.flow_id !== undefined ? record
    : tables.conversations.records.find((r) => r.uid === record.uid);
  if (!flow) {
    showError('No conversation found for that record.');
    return;
  }
  selectTab('follow');
  followFlow(flow.flow_id);
}

async function followFlow(flowId) {
  if (!capture?.caps.has('follow')) return;
  state.flow = flowId;
  writeHash();
  await ensureTable(capture, 'conversations');
  if (state.flow !== flowId) return;
  const record = flowById(flowId);
  follow.message(`Reassembling flow ${flowId}…`);
  try {
    const result = await ask('follow', { flowId });
    if (state.flow === flowId) follow.show(result, record);
  } catch (error) {
    if (state.flow === flowId) follow.message(`Cannot follow flow ${flowId}: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Tables

function allTables() {
  return Object.values(tables);
}

/** The tables capture `c` has (the application logs need this build of the package). */
function availableTables(c) {
  return ['conversations', 'endpoints', 'dns', ...['http', 'tls', 'quic', 'dhcp', 'objects'].filter((n) => c.caps.has(n))];
}

/** Rows table `name` will have, from the analysis summary; null when unknown. */
function expectedRows(c, name) {
  const counts = c.counts;
  if (!counts) return null;
  // No count of exported objects: at most one per request and one per response.
  const n = name === 'conversations' ? counts.flows : name === 'objects' ? 2 * (counts.http ?? 0) : counts[name];
  return typeof n === 'number' ? n : null;
}

/** Fetches table `name` of capture `c` once; resolves when it is shown (or failed). */
function ensureTable(c, name) {
  let load = c.tableLoads.get(name);
  if (!load) {
    const rows = expectedRows(c, name);
    const text = rows === null ? 'Loading…' : `Loading ${int(rows)} records…`;
    if (tables[name]) {
      tables[name].loading(text);
    } else {
      const p = document.createElement('p');
      p.className = 'muted';
      p.textContent = text;
      $(LATE_TABLES[name].container).replaceChildren(p);
    }
    load = loadTable(c, name).catch(() => {});
    c.tableLoads.set(name, load);
  }
  return load;
}

/** Fetches one table's records and shows them ('conversations' is the package's flows()). */
async function loadTable(c, name) {
  try {
    const records = await ask('table', { name: name === 'conversations' ? 'flows' : name });
    if (capture !== c) return;
    if (!tables[name]) {
      const spec = LATE_TABLES[name];
      const actions = name === 'objects'
        ? (c.caps.has('object') ? [{ label: 'Save', title: 'Download this object', run: (r) => saveObject(r) }] : [])
        : [
          { label: 'Packets', title: 'Show the packets of this connection', run: (r) => showConnectionPackets(r) },
          ...(spec.follow && c.caps.has('follow')
            ? [{ label: 'Follow', title: 'Follow this stream', run: (r) => followRecord(r) }] : []),
        ].filter((a) => a.label !== 'Packets' || records[0]?.['id.orig_h'] !== undefined);
      $(spec.container).replaceChildren();
      tables[name] = new RecordTable($(spec.container), {
        name, label: spec.label, columns: columnsFor(name, records), actions, fileStem,
      });
      tables[name].setPredicate(tablePredicate(name));
    }
    tables[name].show(records);
    c.tablesReady.add(name);
    const tab = TABLE_TAB[name];
    if (name !== 'objects') setBadge(tab, int(records.length));
    // Rarely present logs get a tab only when the capture has some.
    if (TABS.find((x) => x.id === tab)?.ifRows) tabButtons.get(tab).hidden = records.length === 0;
    if (name === 'conversations' && follow.result) follow.render();
  } catch (error) {
    if (capture !== c) return;
    if (tables[name]) tables[name].loading('');
    else $(LATE_TABLES[name].container).replaceChildren();
    const tab = TABLE_TAB[name];
    setBadge(tab, '!');
    const p = document.createElement('p');
    p.className = 'error-text';
    p.id = `${name}-error`;
    p.textContent = `The ${name} table cannot be shown: ${error.message}`;
    $(`#panel-${tab}`).append(p);
  }
}

async function saveObject(record) {
  const index = record.index ?? tables.objects.records.indexOf(record);
  try {
    const object = await ask('object', { index });
    const data = object?.data ?? object?.bytes ?? object;
    download(record.filename || `object-${index}`, data, record.content_type || 'application/octet-stream');
  } catch (error) {
    showError(`Cannot save the object: ${error.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Opening captures

function show(selector, visible) {
  $(selector).hidden = !visible;
}

function showError(message) {
  $('#error').textContent = message;
  show('#error', true);
}

/** Forgets the shown capture's views. */
function resetViews() {
  capture = null;
  selection = null;
  show('#app', false);
  timeline.show(null);
  $('#statistics').replaceChildren();
  $('#hierarchy').replaceChildren();
  follow.message('Choose “Follow” on a conversation, or “Follow stream” on a packet.');
  detail.clear('Select a packet to see its fields and bytes.');
  document.querySelectorAll('.error-text').forEach((el) => el.remove());
  for (const name of Object.keys(LATE_TABLES)) {
    if (tables[name]) {
      delete tables[name];
      $(LATE_TABLES[name].container).replaceChildren();
    }
  }
  for (const table of Object.values(tables)) table.clear();
  for (const tab of TABS) setBadge(tab.id, '');
}

function openFile(file) {
  if (!file) return;
  if (active) engine.post({ type: 'cancel', id: active.id });
  const id = ++requestId;
  active = { id, file, started: performance.now() };
  show('#error', false);
  show('#open', false);
  resetViews();
  $('#progress-name').textContent = `Reading ${file.name ?? 'capture'}…`;
  $('#progress-bar').removeAttribute('value');
  $('#progress-text').textContent = '';
  show('#progress', true);
  engine.post({ type: 'open', id, file });
}

function onProgress(msg) {
  const bar = $('#progress-bar');
  if (msg.total) bar.value = msg.bytesRead / msg.total;
  const of = msg.total ? ` of ${formatBytes(msg.total, { short: true })}` : '';
  let left = '';
  if (msg.total && msg.mbPerSec > 0 && msg.bytesRead < msg.total) {
    const seconds = (msg.total - msg.bytesRead) / 1e6 / msg.mbPerSec;
    left = ` · ${seconds < 1 ? '<1' : Math.round(seconds)} s left`;
  }
  $('#progress-text').textContent =
    `${formatBytes(msg.bytesRead, { short: true })}${of} · ${int(msg.packets)} packets · ` +
    `${msg.mbPerSec.toFixed(1)} MB/s${left}`;
}

function onSummary(msg) {
  const file = active.file;
  active = null;
  show('#progress', false);
  const caps = new Set(msg.capabilities ?? []);
  const first = Number(msg.summary.first_time);
  capture = {
    id: msg.id, file, summary: msg.summary, packetCount: msg.packetCount, caps,
    t0: Number.isFinite(first) ? first : 0, loaded: new Set(),
    counts: msg.counts ?? null, tableLoads: new Map(), tablesReady: new Set(),
  };
  renderSummary(file, msg.summary, msg.seconds);
  for (const tab of TABS) {
    tabButtons.get(tab.id).hidden = (Boolean(tab.needs) && !caps.has(tab.needs)) || Boolean(tab.ifRows);
  }
  setBadge('packets', int(msg.packetCount));
  show('#app', true);
  const c = capture;
  for (const name of availableTables(c)) {
    const rows = expectedRows(c, name);
    if (rows === null || rows <= EAGER_TABLE_ROWS) {
      ensureTable(c, name);
      continue;
    }
    // Fetched on the first visit of its tab; meanwhile the badge shows how many rows wait.
    const tab = TABLE_TAB[name];
    if (name !== 'objects') setBadge(tab, int(rows));
    if (TABS.find((x) => x.id === tab)?.ifRows) tabButtons.get(tab).hidden = false;
  }
  applyHash();
}

function onWorkerMessage(msg) {
  if (!active || msg.id !== active.id) return;  // a superseded request
  switch (msg.type) {
    case 'progress':
      onProgress(msg);
      break;
    case 'summary':
      onSummary(msg);
      break;
    case 'error':
      show('#progress', false);
      show('#open', true);
      showError(
        msg.name === 'CaptureFormatError'
          ? `${active.file.name ?? 'This file'} cannot be read as a capture: ${msg.message}`
          : `Reading failed: ${msg.message}`,
      );
      active = null;
      break;
    case 'cancelled':
      show('#progress', false);
      show('#open', true);
      showError('Cancelled.');
      active = null;
      break;
  }
}

/** The worker failed (trap, out of memory, crash) and was replaced: say so, stay usable. */
function onEngineFailure(message) {
  const name = active?.file?.name ?? capture?.file?.name ?? 'the capture';
  active = null;
  resetViews();
  show('#progress', false);
  show('#open', true);
  showError(
    `The analysis engine stopped while working on ${name} (${message}). ` +
    'It has been restarted: open the file again, or another one.',
  );
}

// ---------------------------------------------------------------------------------------------
// Opening: file picker, sample, drag and drop anywhere

$('#file').addEventListener('change', (event) => {
  openFile(event.target.files[0]);
  event.target.value = '';  // choosing the same file again re-opens it
});

$('#cancel').addEventListener('click', () => {
  if (active) engine.post({ type: 'cancel', id: active.id });
});

$('#sample').addEventListener('click', async () => {
  for (const name of SAMPLES) {
    try {
      const response = await fetch(new URL(name, document.baseURI));
      if (!response.ok) continue;
      const blob = await response.blob();
      openFile(new File([blob], name));
      return;
    } catch {
      // try the next one
    }
  }
  showError('No sample capture is available.');
});

let dragDepth = 0;
const hasFiles = (event) => event.dataTransfer?.types?.includes('Files');
window.addEventListener('dragenter', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  dragDepth++;
  show('#drop-overlay', true);
});
window.addEventListener('dragover', (event) => {
  if (!hasFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = 'copy';
});
window.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) show('#drop-overlay', false);
});
window.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  show('#drop-overlay', false);
  openFile(event.dataTransfer?.files?.[0]);
});

// The state in the URL when the page loads applies to the first capture opened.
Object.assign(state, readHash());
filterBar.value = state.filter;
filterBar.setTimeRange(state.time);
selectTab(state.tab);
