// The packet list: a virtualized table that scrolls through millions of rows. Only the visible
// rows exist in the DOM (a fixed pool, fixed row height) over a tall spacer; rows come from
// the worker in pages, cached (LRU) and fetched as they scroll into view. Past the height a
// browser can lay out, scroll positions are scaled to rows. Keyboard: ↑ ↓ PgUp PgDn Home End.

const ROW_HEIGHT = 22;          // px; must match .packet-row in style.css
const PAGE_ROWS = 200;          // rows per request to the worker
const MAX_CACHED_PAGES = 64;
const MAX_SPACER_PX = 8_000_000;  // below every browser's maximum element height
const COLUMNS = ['number', 'time', 'source', 'destination', 'protocol', 'length', 'info'];

/** Time column: seconds since the first packet, µs precision like Wireshark's default. */
function formatTime(t) {
  return Number.isNaN(t) ? '' : t.toFixed(6);
}

export class PacketList {
  /**
   * @param {HTMLElement} viewport the scrolling element (contains a spacer and the rows)
   * @param {(start: number, count: number) => Promise<object>} fetchRows a page of columns
   * @param {(row: number) => void} onSelect called with the selected row (0-based; the page
   *   maps rows to packet numbers, which differ under a filter)
   */
  constructor(viewport, fetchRows, onSelect) {
    this.viewport = viewport;
    this.fetchRows = fetchRows;
    this.onSelect = onSelect;
    this.spacer = viewport.querySelector('.packet-spacer');
    this.rowsEl = viewport.querySelector('.packet-rows');
    this.pool = [];
    this.count = 0;
    this.selected = -1;     // selected row (0-based), -1 for none
    this.pages = new Map();  // page index → columns (Map order = LRU order)
    this.pending = new Map();  // page index → promise
    this.generation = 0;     // bumps on reset: late replies of an older capture are dropped
    this.frame = 0;
    viewport.addEventListener('scroll', () => this.schedule());
    viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.rowsEl.addEventListener('click', (e) => {
      const row = e.target.closest('.packet-row');
      if (row && row.dataset.row !== undefined) this.select(Number(row.dataset.row));
    });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  /** Shows a new capture of `count` packets. */
  reset(count) {
    this.generation++;
    this.count = count;
    this.selected = -1;
    this.pages.clear();
    this.pending.clear();
    this.spacer.style.height = `${Math.min(count * ROW_HEIGHT, MAX_SPACER_PX)}px`;
    this.viewport.scrollTop = 0;
    this.render();
  }

  get scaled() {
    return this.count * ROW_HEIGHT > MAX_SPACER_PX;
  }

  /** Rows that fit entirely in the viewport. */
  get visibleRows() {
    return Math.max(1, Math.floor(this.viewport.clientHeight / ROW_HEIGHT));
  }

  /** The first row shown at the current scroll position. */
  firstRow() {
    const top = this.viewport.scrollTop;
    if (!this.scaled) return Math.floor(top / ROW_HEIGHT);
    const maxScroll = Math.max(1, this.viewport.scrollHeight - this.viewport.clientHeight);
    return Math.round((Math.min(top, maxScroll) / maxScroll) * Math.max(0, this.count - this.visibleRows));
  }

  /** The scroll position that shows `row` first. */
  scrollTopFor(row) {
    if (!this.scaled) return row * ROW_HEIGHT;
    const maxScroll = this.viewport.scrollHeight - this.viewport.clientHeight;
    return (row / Math.max(1, this.count - this.visibleRows)) * maxScroll;
  }

  schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  /** Cached columns of page `p`, or null (then fetched, and rendered when they arrive). */
  page(p) {
    const cached = this.pages.get(p);
    if (cached) {
      this.pages.delete(p);  // most recently used last
      this.pages.set(p, cached);
      return cached;
    }
    if (!this.pending.has(p)) {
      const generation = this.generation;
      const start = p * PAGE_ROWS;
      const request = this.fetchRows(start, Math.min(PAGE_ROWS, this.count - start)).then(
        (cols) => {
          if (generation !== this.generation) return;
          this.pending.delete(p);
          this.pages.set(p, cols);
          while (this.pages.size > MAX_CACHED_PAGES) this.pages.delete(this.pages.keys().next().value);
          this.schedule();
        },
        () => {
          if (generation === this.generation) this.pending.delete(p);
        },
      );
      this.pending.set(p, request);
    }
    return null;
  }

  render() {
    const first = Math.min(this.firstRow(), Math.max(0, this.count - 1));
    const shown = Math.min(this.visibleRows + 2, Math.max(0, this.count - first));
    while (this.pool.length < shown) {
      const row = document.createElement('div');
      row.className = 'packet-row';
      row.setAttribute('role', 'row');
      for (const name of COLUMNS) {
        const cell = document.createElement('span');
        cell.className = `col-${name}`;
        cell.setAttribute('role', 'cell');
        row.append(cell);
      }
      this.pool.push(row);
      this.rowsEl.append(row);
    }
    // Unscaled: rows sit at their own offset (smooth pixel scrolling); scaled: at the top.
    const top = this.scaled ? this.viewport.scrollTop : first * ROW_HEIGHT;
    this.rowsEl.style.transform = `translateY(${top}px)`;
    for (let k = 0; k < this.pool.length; k++) {
      const el = this.pool[k];
      if (k >= shown) {
        el.hidden = true;
        continue;
      }
      const i = first + k;
      el.hidden = false;
      el.dataset.row = String(i);
      el.classList.toggle('selected', i === this.selected);
      el.setAttribute('aria-selected', String(i === this.selected));
      const cols = this.page(Math.floor(i / PAGE_ROWS));
      const cells = el.children;
      if (!cols) {
        cells[0].textContent = '';
        delete el.dataset.protocol;
        for (let c = 1; c < cells.length; c++) cells[c].textContent = c === 6 ? '…' : '';
        continue;
      }
      const j = i - Math.floor(i / PAGE_ROWS) * PAGE_ROWS;
      cells[0].textContent = String(cols.number[j]);
      cells[1].textContent = formatTime(cols.time[j]);
      cells[2].textContent = cols.source[j];
      cells[3].textContent = cols.destination[j];
      cells[4].textContent = cols.protocol[j];
      cells[5].textContent = String(cols.length[j]);
      cells[6].textContent = cols.info[j];
      el.dataset.protocol = cols.protocol[j].toLowerCase();
    }
  }

  /** Selects row `i` (clamped), scrolls it into view and reports it. */
  select(i) {
    if (this.count === 0) return;
    i = Math.max(0, Math.min(this.count - 1, i));
    this.selected = i;
    const first = this.firstRow();
    const visible = this.visibleRows;
    if (i < first) this.viewport.scrollTop = this.scrollTopFor(i);
    else if (i >= first + visible) this.viewport.scrollTop = this.scrollTopFor(i - visible + 1);
    this.render();
    this.onSelect(i);
  }

  onKey(e) {
    if (this.count === 0) return;
    const page = Math.max(1, this.visibleRows - 1);
    const at = this.selected < 0 ? this.firstRow() - 1 : this.selected;
    const moves = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      PageDown: at + page,
      PageUp: at - page,
      Home: 0,
      End: this.count - 1,
    };
    if (!(e.key in moves)) return;
    e.preventDefault();
    this.select(moves[e.key]);
  }
}
