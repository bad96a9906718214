// Follow stream: a flow's reassembled payload, client bytes and server bytes in two colours, as
// ASCII, a hex dump or raw hex, one direction or both; the view (or the raw bytes) downloads.
// Clicking a segment goes to the packet that carried it.

import { download } from './download.js';
import { hostPort, int } from './format.js';

/** Bytes rendered at most (the download always has everything). */
export const MAX_FOLLOW_BYTES = 2 << 20;

const hex2 = (b) => b.toString(16).padStart(2, '0');

/** Printable ASCII, newlines and tabs kept, anything else as ".". */
function asciiText(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || b === 0x09) out += String.fromCharCode(b);
    else if (b === 0x0d) continue;
    else out += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
  }
  return out;
}

/** A hex dump of `bytes` whose first byte is at stream offset `base`, 16 bytes per line. */
function hexDump(bytes, base) {
  const lines = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = Array.from(row, hex2).join(' ').padEnd(16 * 3 - 1, ' ');
    lines.push(`${(base + at).toString(16).padStart(8, '0')}  ${hex}  ${asciiText(row).replace(/[\n\t]/g, '.')}`);
  }
  return `${lines.join('\n')}\n`;
}

function rawHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += hex2(bytes[i]);
  return `${out}\n`;
}

export class FollowView {
  #root;
  #result = null;
  #onPacket;
  #fileStem;

  /**
   * @param {HTMLElement} root the follow panel (contains #follow-mode, #follow-dir, #follow-text,
   *   #follow-head, #follow-download, #follow-download-raw, #follow-packets)
   * @param {{onPacket: (number: number) => void, onPackets: (flowId: number) => void, fileStem: () => string}} hooks
   */
  constructor(root, { onPacket, onPackets, fileStem }) {
    this.#root = root;
    this.#onPacket = onPacket;
    this.#fileStem = fileStem;
    this.mode = root.querySelector('#follow-mode');
    this.dir = root.querySelector('#follow-dir');
    this.text = root.querySelector('#follow-text');
    this.head = root.querySelector('#follow-head');
    this.mode.addEventListener('change', () => this.render());
    this.dir.addEventListener('change', () => this.render());
    root.querySelector('#follow-download').addEventListener('click', () => this.downloadView());
    root.querySelector('#follow-download-raw').addEventListener('click', () => this.downloadRaw());
    root.querySelector('#follow-packets').addEventListener('click', () => {
      if (this.#result) onPackets(this.#result.flowId);
    });
    this.text.addEventListener('click', (event) => {
      const seg = event.target.closest('[data-packet]');
      if (seg) this.#onPacket(Number(seg.dataset.packet));
    });
  }

  /** The follow result shown, or null. */
  get result() {
    return this.#result;
  }

  /** Shows a message instead of a stream. */
  message(text) {
    this.#result = null;
    this.head.textContent = text;
    this.text.replaceChildren();
    this.#root.querySelectorAll('.follow-needs-stream').forEach((el) => { el.disabled = true; });
  }

  /** Shows `result` ({flowId, proto, segments, data, offsets, summary}) for flow `record`. */
  show(result, record) {
    this.#result = { ...result, record };
    const segs = result.segments ?? [];
    // Offsets of each segment in `data`: given, or from the lengths in order.
    let at = 0;
    this.#result.starts = segs.map((s, k) => {
      const start = result.offsets?.[k] ?? at;
      at = start + (s.length ?? 0);
      return start;
    });
    let client = 0;
    let server = 0;
    let gaps = 0;
    for (const s of segs) {
      if (s.gap) gaps++;
      else if (s.dir === 0) client += s.length;
      else server += s.length;
    }
    const who = record
      ? `${hostPort(record['id.orig_h'], record['id.orig_p'])} → ${hostPort(record['id.resp_h'], record['id.resp_p'])}`
      : '';
    const sum = result.summary;
    let summaryText = '';
    if (sum && typeof sum === 'object') {
      const facts = [];
      if (Array.isArray(sum.end)) facts.push(`ends ${sum.end.join('/')}`);
      for (const key of ['retransmissions', 'out_of_order', 'overlaps', 'gap_bytes', 'cap_hits']) {
        if (sum[key]) facts.push(`${key.replace('_', ' ')} ${int(sum[key])}`);
      }
      if (facts.length) summaryText = ` · ${facts.join(', ')}`;
    }
    this.head.textContent =
      `Flow ${result.flowId} (${result.proto ?? record?.proto ?? ''}) ${who} · client ${int(client)} bytes in ` +
      `${int(segs.filter((s) => s.dir === 0 && !s.gap).length)} segments, server ${int(server)} bytes in ` +
      `${int(segs.filter((s) => s.dir === 1 && !s.gap).length)} segments` +
      `${gaps ? ` · ${int(gaps)} gaps` : ''}${summaryText}`;
    this.#root.querySelectorAll('.follow-needs-stream').forEach((el) => { el.disabled = false; });
    this.render();
  }

  /** Segments of the chosen direction(s) with their bytes: [{seg, bytes, start}]. */
  #pieces() {
    const r = this.#result;
    const want = this.dir.value;  // both | 0 | 1
    const out = [];
    r.segments.forEach((seg, k) => {
      if (want !== 'both' && String(seg.dir) !== want) return;
      const start = r.starts[k];
      const bytes = seg.gap ? new Uint8Array(0) : r.data.subarray(start, start + seg.length);
      out.push({ seg, bytes, start });
    });
    return out;
  }

  #textOf(piece, mode, streamOffset) {
    if (piece.seg.gap) return `[${int(piece.seg.length ?? 0)} bytes missing]\n`;
    if (mode === 'hex') return hexDump(piece.bytes, streamOffset);
    if (mode === 'raw') return rawHex(piece.bytes);
    return asciiText(piece.bytes);
  }

  render() {
    if (!this.#result) return;
    const mode = this.mode.value;
    const frag = document.createDocumentFragment();
    const offsets = [0, 0];
    let budget = MAX_FOLLOW_BYTES;
    for (const piece of this.#pieces()) {
      if (budget <= 0) {
        const more = document.createElement('span');
        more.className = 'follow-more';
        more.textContent = `\n… shown up to ${int(MAX_FOLLOW_BYTES)} bytes; the downloads have everything.\n`;
        frag.append(more);
        break;
      }
      const dir = piece.seg.dir === 0 ? 0 : 1;
      const shown = piece.bytes.length > budget ? { ...piece, bytes: piece.bytes.subarray(0, budget) } : piece;
      budget -= shown.bytes.length;
      const span = document.createElement('span');
      span.className = piece.seg.gap ? 'follow-gap' : dir === 0 ? 'follow-client' : 'follow-server';
      if (piece.seg.packet) {
        span.dataset.packet = String(piece.seg.packet);
        span.title = `packet ${piece.seg.packet}: ${dir === 0 ? 'client' : 'server'}, ${int(piece.seg.length ?? 0)} bytes`;
      }
      span.textContent = this.#textOf(shown, mode, offsets[dir]);
      offsets[dir] += piece.bytes.length;
      frag.append(span);
    }
    this.text.replaceChildren(frag);
  }

  /** Downloads the view as text (every byte, not only the rendered ones). */
  downloadView() {
    if (!this.#result) return;
    const mode = this.mode.value;
    const offsets = [0, 0];
    const parts = this.#pieces().map((piece) => {
      const dir = piece.seg.dir === 0 ? 0 : 1;
      const text = this.#textOf(piece, mode, offsets[dir]);
      offsets[dir] += piece.bytes.length;
      return text;
    });
    download(`${this.#fileStem()}-flow${this.#result.flowId}-${mode}.txt`, parts.join(''), 'text/plain');
  }

  /** Downloads the payload bytes of the chosen direction(s), in stream order. */
  downloadRaw() {
    if (!this.#result) return;
    const pieces = this.#pieces().filter((p) => !p.seg.gap).map((p) => p.bytes);
    const dir = this.dir.value === 'both' ? 'both' : this.dir.value === '0' ? 'client' : 'server';
    download(`${this.#fileStem()}-flow${this.#result.flowId}-${dir}.bin`, new Blob(pieces));
  }
}
