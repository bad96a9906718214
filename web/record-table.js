// A plain DOM table of log records (conversations, DNS): a header row whose cells sort the rows
// when clicked (again: reverse), and at most `maxRows` rows rendered, with a note saying so.
// Fine for thousands of records; the packet list is the virtualized one.

/** Rows rendered at most; the rest are counted in the note. */
export const MAX_TABLE_ROWS = 5000;

/**
 * Columns are {key, label, value(record) → text, sort(record) → number|string (default: the
 * text), numeric (right-aligned, sorts numbers)}. Records missing a value show "".
 */
export class RecordTable {
  #table;
  #note;
  #columns;
  #records = [];
  #sortKey = null;
  #descending = false;
  #maxRows;

  constructor(table, note, columns, { maxRows = MAX_TABLE_ROWS } = {}) {
    this.#table = table;
    this.#note = note;
    this.#columns = columns;
    this.#maxRows = maxRows;
    const tr = document.createElement('tr');
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
  }

  /** Shows `records` (in their order until a header is clicked). */
  show(records) {
    this.#records = records;
    this.#sortKey = null;
    this.#descending = false;
    this.#render();
  }

  /** Sorts by column `key`: ascending, or reversed when it is already the sort column. */
  sortBy(key) {
    const column = this.#columns.find((c) => c.key === key);
    if (!column) return;
    this.#descending = this.#sortKey === key ? !this.#descending : false;
    this.#sortKey = key;
    const valueOf = column.sort ?? column.value;
    const keyed = this.#records.map((record, i) => ({ record, i, v: valueOf(record) }));
    const missing = (v) => v === undefined || v === null || v === '' || Number.isNaN(v);
    const sign = this.#descending ? -1 : 1;
    keyed.sort((a, b) => {
      // Records without a value go last either way; ties keep their order.
      if (missing(a.v) || missing(b.v)) return missing(a.v) - missing(b.v) || a.i - b.i;
      let c;
      if (column.numeric) c = a.v - b.v;
      else c = String(a.v).localeCompare(String(b.v), undefined, { numeric: true });
      return c * sign || a.i - b.i;
    });
    this.#records = keyed.map((k) => k.record);
    this.#render();
  }

  #render() {
    for (const th of this.#table.tHead.rows[0].cells) {
      const sorted = th.dataset.key === this.#sortKey;
      if (sorted) th.setAttribute('aria-sort', this.#descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    const shown = Math.min(this.#records.length, this.#maxRows);
    const body = document.createElement('tbody');
    for (let i = 0; i < shown; i++) {
      const record = this.#records[i];
      const tr = document.createElement('tr');
      for (const column of this.#columns) {
        const td = document.createElement('td');
        const text = column.value(record);
        td.textContent = text === undefined || text === null ? '' : String(text);
        if (column.numeric) td.className = 'numeric';
        tr.append(td);
      }
      body.append(tr);
    }
    this.#table.tBodies[0]?.remove();
    this.#table.append(body);
    const hidden = this.#records.length - shown;
    const count = (n) => n.toLocaleString('en-US');
    this.#note.textContent = hidden > 0
      ? `Showing the first ${count(shown)} of ${count(this.#records.length)} (sorting applies to all).`
      : '';
    this.#note.hidden = hidden <= 0;
  }
}
