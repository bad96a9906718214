// Timeline: packets/s and bytes/s over the capture (uPlot, two y axes), with the figures beside
// it. Dragging across the chart selects a time range, which the page turns into a
// `frame.time_relative` filter over every other view.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatBytes, int } from './format.js';

export class TimelineView {
  #chartEl;
  #factsEl;
  #onRange;
  #data = null;
  #plot = null;

  /**
   * @param {HTMLElement} chartEl where the chart goes
   * @param {HTMLElement} factsEl a <dl> for the figures
   * @param {(range: [number, number]) => void} onRange a time range was brushed (seconds)
   */
  constructor(chartEl, factsEl, onRange) {
    this.#chartEl = chartEl;
    this.#factsEl = factsEl;
    this.#onRange = onRange;
    new ResizeObserver(() => this.#resize()).observe(chartEl);
  }

  /** Shows timeline `t` ({start, width, packets, bytes, untimed}) or clears it (null). */
  show(t) {
    this.#data = t;
    this.#plot?.destroy();
    this.#plot = null;
    this.#chartEl.replaceChildren();
    this.#factsEl.replaceChildren();
    if (!t) return;
    const n = t.packets.length;
    const xs = new Float64Array(n);
    const pps = new Float64Array(n);
    const bps = new Float64Array(n);
    let peakP = 0;
    let peakB = 0;
    let packets = 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      xs[i] = t.start + i * t.width;
      pps[i] = t.packets[i] / t.width;
      bps[i] = t.bytes[i] / t.width;
      peakP = Math.max(peakP, pps[i]);
      peakB = Math.max(peakB, bps[i]);
      packets += t.packets[i];
      bytes += t.bytes[i];
    }
    const fact = (label, value) => {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      this.#factsEl.append(dt, dd);
    };
    fact('Bucket', `${t.width < 1 ? `${t.width * 1000} ms` : `${t.width} s`} (${int(n)} buckets)`);
    fact('Packets', int(packets));
    fact('Bytes', formatBytes(bytes, { short: true }));
    fact('Peak packets/s', int(Math.round(peakP)));
    fact('Peak bytes/s', formatBytes(Math.round(peakB), { short: true }));
    if (t.untimed) fact('Without timestamp', int(t.untimed));
    this.#series = [xs, pps, bps];
    this.#draw();
  }

  #series = null;

  #draw() {
    if (!this.#series || this.#plot) return;
    const width = this.#chartEl.clientWidth;
    if (width === 0) return;  // hidden: drawn when shown
    const styles = getComputedStyle(document.documentElement);
    const fg = styles.getPropertyValue('--muted').trim() || '#666';
    const grid = styles.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    this.#plot = new uPlot({
      width,
      height: 260,
      scales: { x: { time: false }, p: {}, b: {} },
      cursor: { drag: { x: true, y: false, setScale: false } },
      legend: { live: true },
      series: [
        { label: 'Time (s)', value: (u, v) => (v === null ? '' : `${v.toFixed(3)} s`) },
        {
          label: 'Packets/s', scale: 'p', stroke: '#1f6feb', width: 1.5,
          fill: 'rgba(31, 111, 235, 0.12)', value: (u, v) => (v === null ? '' : int(Math.round(v))),
        },
        {
          label: 'Bytes/s', scale: 'b', stroke: '#d4761c', width: 1.5,
          value: (u, v) => (v === null ? '' : formatBytes(Math.round(v), { short: true })),
        },
      ],
      axes: [
        { ...axis, label: 'seconds since the first packet' },
        { ...axis, scale: 'p', label: 'packets/s', size: 60 },
        {
          ...axis, scale: 'b', side: 1, label: 'bytes/s', size: 70, grid: { show: false },
          values: (u, vals) => vals.map((v) => formatBytes(v, { short: true })),
        },
      ],
      hooks: {
        setSelect: [(u) => {
          if (u.select.width < 2) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          this.#onRange([a, b]);
        }],
      },
    }, this.#series, this.#chartEl);
  }

  #resize() {
    if (!this.#plot) {
      this.#draw();
      return;
    }
    const width = this.#chartEl.clientWidth;
    if (width > 0) this.#plot.setSize({ width, height: 260 });
  }
}
