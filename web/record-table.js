// A table of log records (conversations, endpoints, DNS, HTTP, TLS, …) with a toolbar: a search
// box (substring over every column's text), the count shown, CSV and JSON download of what is
// shown (all matching records, in the current order). Clicking a header sorts (again: reverse);
// per-row action buttons (e.g. "Packets", "Follow") call back with the record. Virtualized:
// fixed-height rows between two spacer rows, only those in and near the view in the DOM, with
// fixed column widths, so a table of any size shows and scrolls without long tasks.

import { download, toCsv } from './download.js';
import { int } from './format.js';

/** Rows rendered at most; the rest are counted in the note. */
export const MAX_TABLE_ROWS = 1_000_000;  // 24 px rows: below browsers' maximum element height
/** Height of a row in px (must match `table.records tbody tr` in style.css). */
const ROW_HEIGHT = 24;
/** Rows rendered beyond each edge of the visible ones. */
const BUFFER_ROWS = 6;
/** Rows rendered while the table is hidden (its height is unknown). */
const HIDDEN_ROWS = 36;

/**
 * @typedef {object} Column
 * @property {string} key
 * @property {string} label
 * @property {(record: object) => string} value text shown (and searched, and written to CSV)
 * @property {(record: object) => number|string} [sort] sort key (default: the text)
 * @property {boolean} [numeric] right-aligned; sorts numbers
 */

export class RecordTable {
  #name;
  #columns;
  #actions;
  #records = [];
  #empty = true;        // cleared, or never shown: records still to come (the count reads "")
  #shown = [];
  #texts = null;        // lower-cased search text per record (built on first search)
  #predicate = null;    // an outside filter (time range)
  #search = '';
  #sortKey = null;
  #descending = false;
  #maxRows;
  #renderToken = 0;
  #window = [-1, -1];  // rows [first, last) in the DOM
  #frame = 0;
  #fileStem = () => 'capture';
  #els;

  /**
   * Builds the toolbar, table and note inside `container`; ids are `${name}-table`,
   * `${name}-count`, `${name}-search`, `${name}-note`.
   * @param {HTMLElement} container
   * @param {{name: string, label: string, columns: Column[], actions?: {label: string, title: string, run: (record: object) => void}[], maxRows?: number, fileStem?: () => string}} options
   */
  constructor(container, { name, label, columns, actions = [], maxRows = MAX_TABLE_ROWS, fileStem }) {
    this.#name = name;
    this.#columns = columns;
    this.#actions = actions;
    this.#maxRows = maxRows;
    if (fileStem) this.#fileStem = fileStem;

    const bar = document.createElement('div');
    bar.className = 'table-bar';
    const searchLabel = document.createElement('label');
    searchLabel.htmlFor = `${name}-search`;
    searchLabel.textContent = 'Search';
    const search = document.createElement('input');
    search.type = 'search';
    search.id = `${name}-search`;
    search.placeholder = `in any column`;
    search.autocomplete = 'off';
    search.spellcheck = false;
    let timer = 0;
    search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.setSearch(search.value), 120);
    });
    const count = document.createElement('span');
    count.id = `${name}-count`;
    count.className = 'muted';
    count.setAttribute('aria-live', 'polite');
    const csv = document.createElement('button');
    csv.type = 'button';
    csv.textContent = 'CSV';
    csv.title = `Download the ${label} shown as CSV`;
    csv.className = 'small';
    csv.addEventListener('click', () => this.downloadCsv());
    const json = document.createElement('button');
    json.type = 'button';
    json.textContent = 'JSON';
    json.title = `Download the ${label} shown as JSON`;
    json.className = 'small';
    json.addEventListener('click', () => this.downloadJson());
    const spacer = document.createElement('span');
    spacer.className = 'grow';
    bar.append(searchLabel, search, count, spacer, csv, json);

    const scroll = document.createElement('div');
    scroll.className = 'record-scroll';
    const table = document.createElement('table');
    table.id = `${name}-table`;
    table.className = 'records';
    const caption = document.createElement('caption');
    caption.className = 'visually-hidden';
    caption.textContent = label;
    const colgroup = document.createElement('colgroup');
    for (let k = 0; k < columns.length + (actions.length ? 1 : 0); k++) colgroup.append(document.createElement('col'));
    table.append(caption, colgroup, document.createElement('thead'), document.createElement('tbody'));
    scroll.append(table);
    scroll.addEventListener('scroll', () => this.#scheduleUpdate(), { passive: true });

    const note = document.createElement('p');
    note.id = `${name}-note`;
    note.className = 'muted';
    note.hidden = true;

    const tr = document.createElement('tr');
    if (actions.length) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.className = 'actions-col';
      th.textContent = '';
      th.setAttribute('aria-label', 'Actions');
      tr.append(th);
    }
    for (const column of columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.dataset.key = column.key;
      if (column.numeric) th.className = 'numeric';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = column.label;
      button.title = `Sort by ${column.label}`;
      button.addEventListener('click', () => this.sortBy(column.key));
      th.append(button);
      tr.append(th);
    }
    table.tHead.replaceChildren(tr);
    table.addEventListener('click', (event) => {  // the tbody is replaced on each render
      const button = event.target.closest('tbody button[data-action]');
      if (!button) return;
      const record = this.#shown[Number(button.closest('tr').dataset.index)];
      this.#actions[Number(button.dataset.action)]?.run(record);
    });
    container.append(bar, scroll, note);
    this.#els = { table, count, note, search, scroll, colgroup };
    new ResizeObserver(() => this.#scheduleUpdate()).observe(scroll);
  }

  /** All records (the table's data), whatever the search and outside filter. */
  get records() {
    return this.#records;
  }

  /** The records shown, in order (all of them, not only the rendered rows). */
  get shown() {
    return this.#shown;
  }

  /** Shows `records` (in their order until a header is clicked). */
  show(records) {
    this.#records = records;
    this.#empty = false;
    this.#texts = null;
    this.#sortKey = null;
    this.#descending = false;
    this.#refresh();
  }

  /** Says what is happening (e.g. "Loading 135,967 records…") until the records are shown. */
  loading(text) {
    this.#els.note.textContent = text;
    this.#els.note.hidden = !text;
  }

  /** Empties the table until its records arrive (the count reads "" meanwhile). */
  clear() {
    this.show([]);
    this.#empty = true;
    this.#els.count.textContent = '';
  }

  /** Restricts the rows to records for which `predicate(record)` holds (null: all). */
  setPredicate(predicate) {
    this.#predicate = predicate;
    this.#refresh();
  }

  /** Shows only records whose text contains `text` (case-insensitive). */
  setSearch(text) {
    this.#search = text.trim().toLowerCase();
    if (this.#els.search.value !== text) this.#els.search.value = text;
    this.#refresh();
  }

  /** Sorts by column `key`: ascending, or reversed when it is already the sort column. */
  sortBy(key) {
    const column = this.#columns.find((c) => c.key === key);
    if (!column) return;
    this.#descending = this.#sortKey === key ? !this.#descending : false;
    this.#sortKey = key;
    this.#refresh();
  }

  downloadCsv() {
    const header = this.#columns.map((c) => c.label);
    const rows = this.#shown.map((r) => this.#columns.map((c) => c.value(r)));
    download(`${this.#fileStem()}-${this.#name}.csv`, toCsv(header, rows), 'text/csv');
  }

  downloadJson() {
    download(`${this.#fileStem()}-${this.#name}.json`, `${JSON.stringify(this.#shown, null, 1)}\n`,
      'application/json');
  }

  #textOf(i) {
    if (!this.#texts) {
      this.#texts = this.#records.map((r) => this.#columns.map((c) => c.value(r)).join('\u0000').toLowerCase());
    }
    return this.#texts[i];
  }

  #refresh() {
    let indices = [];
    for (let i = 0; i < this.#records.length; i++) {
      const r = this.#records[i];
      if (this.#predicate && !this.#predicate(r)) continue;
      if (this.#search && !this.#textOf(i).includes(this.#search)) continue;
      indices.push(i);
    }
    if (this.#sortKey !== null) {
      const column = this.#columns.find((c) => c.key === this.#sortKey);
      const valueOf = column.sort ?? column.value;
      const keyed = indices.map((i) => ({ i, v: valueOf(this.#records[i]) }));
      const missing = (v) => v === undefined || v === null || v === '' || Number.isNaN(v);
      const sign = this.#descending ? -1 : 1;
      const collator = new Intl.Collator(undefined, { numeric: true });
      keyed.sort((a, b) => {
        // Records without a value go last either way; ties keep their order.
        if (missing(a.v) || missing(b.v)) return missing(a.v) - missing(b.v) || a.i - b.i;
        const c = column.numeric ? a.v - b.v : collator.compare(String(a.v), String(b.v));
        return c * sign || a.i - b.i;
      });
      indices = keyed.map((k) => k.i);
    }
    this.#shown = indices.map((i) => this.#records[i]);
    this.#render();
  }

  #render() {
    const { table, count, note, scroll } = this.#els;
    for (const th of table.tHead.rows[0].cells) {
      const sorted = th.dataset.key !== undefined && th.dataset.key === this.#sortKey;
      if (sorted) th.setAttribute('aria-sort', this.#descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    const total = this.#records.length;
    const matching = this.#shown.length;
    if (this.#empty) count.textContent = '';  // no records yet (not "(0)")
    else count.textContent = matching === total ? `(${int(total)})` : `(${int(matching)} of ${int(total)})`;
    table.setAttribute('aria-rowcount', String(matching + 1));
    this.#sizeColumns();
    this.#window = [-1, -1];
    scroll.scrollTop = 0;
    this.#update();
    const hidden = matching - Math.min(matching, this.#maxRows);
    note.textContent = hidden > 0
      ? `Showing the first ${int(this.#maxRows)} of ${int(matching)} (sorting, search and downloads apply to all).`
      : '';
    note.hidden = hidden <= 0;
  }

  #scheduleUpdate() {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#update();
    });
  }

  /**
   * Renders the rows in and around the visible part (fixed-height rows between two spacer
   * rows); does nothing when that window has not changed.
   */
  #update() {
    const { scroll } = this.#els;
    const limit = Math.min(this.#shown.length, this.#maxRows);
    const visible = scroll.clientHeight > 0 ? Math.ceil(scroll.clientHeight / ROW_HEIGHT) : HIDDEN_ROWS;
    const top = Math.floor(scroll.scrollTop / ROW_HEIGHT);
    const [f0, l0] = this.#window;
    // Keep the rows while the visible ones are among them (re-render in steps, not per pixel).
    if (f0 >= 0 && Math.max(0, top - 1) >= f0 && Math.min(limit, top + visible + 1) <= l0) return;
    const first = Math.max(0, top - BUFFER_ROWS);
    const last = Math.min(limit, top + visible + BUFFER_ROWS);
    this.#window = [first, last];
    const body = document.createElement('tbody');
    const spacer = (rows) => {
      const tr = document.createElement('tr');
      tr.className = 'spacer';
      tr.setAttribute('aria-hidden', 'true');
      tr.style.height = `${rows * ROW_HEIGHT}px`;
      return tr;
    };
    if (first > 0) body.append(spacer(first));
    for (let i = first; i < last; i++) body.append(this.#row(this.#shown[i], i));
    if (last < limit) body.append(spacer(limit - last));
    this.#els.table.tBodies[0].replaceWith(body);
  }

  /**
   * Fixed column widths (in ch) from the header and the first rows' text: the table uses
   * `table-layout: fixed`, so showing thousands of rows costs no table-wide layout pass.
   */
  #sizeColumns() {
    const { colgroup } = this.#els;
    const sample = this.#shown.slice(0, 200);
    const cols = colgroup.children;
    let k = 0;
    let total = 0;
    if (this.#actions.length) {
      const w = this.#actions.reduce((n, a) => n + a.label.length + 4, 1);
      cols[k++].style.width = `${w}ch`;
      total += w;
    }
    for (const column of this.#columns) {
      let longest = column.label.length + 2;
      for (const r of sample) {
        const text = column.value(r);
        if (text && text.length > longest) longest = text.length;
      }
      const w = Math.min(40, Math.max(5, longest + 1));
      cols[k++].style.width = `${w}ch`;
      total += w;
    }
    this.#els.table.style.width = `${total}ch`;
  }

  #row(record, index) {
    const tr = document.createElement('tr');
    tr.dataset.index = String(index);
    tr.setAttribute('aria-rowindex', String(index + 2));
    if (index % 2) tr.className = 'odd';
    if (this.#actions.length) {
      const td = document.createElement('td');
      td.className = 'actions-col';
      this.#actions.forEach((action, k) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.dataset.action = String(k);
        b.textContent = action.label;
        b.title = action.title;
        td.append(b);
      });
      tr.append(td);
    }
    for (const column of this.#columns) {
      const td = document.createElement('td');
      const text = column.value(record);
      td.textContent = text === undefined || text === null ? '' : String(text);
      if (column.numeric) td.className = 'numeric';
      tr.append(td);
    }
    return tr;
  }
}
