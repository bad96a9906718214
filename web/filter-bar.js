// The display-filter bar: an input, Apply and Clear, the count it selects, a time-range chip
// (set by brushing the timeline), and an error with a caret under the span it is about.

/**
 * The span [start, end) (0-based, in characters) an error points at: from the error's own
 * numbers (start/end, offset/length, position/column) or its text ("at 1–8", "at 5").
 * @returns {{start: number, end: number} | null}
 */
export function errorSpan(error, text) {
  const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const start = num(error.start) ?? num(error.offset) ?? num(error.position) ?? num(error.column);
  if (start !== null) {
    const end = num(error.end) ?? (num(error.length) !== null ? start + error.length : start + 1);
    return { start, end: Math.max(end, start + 1) };
  }
  // "… at 1–8 …" (1-based, inclusive, as the CLI prints it) or "at 5".
  const m = /\bat (\d+)(?:\s*[–-]\s*(\d+))?/.exec(error.message ?? '');
  if (m) {
    const s = Number(m[1]) - 1;
    const e = m[2] ? Number(m[2]) : s + 1;
    if (s >= 0 && s <= text.length) return { start: s, end: Math.max(e, s + 1) };
  }
  return null;
}

export class FilterBar {
  /**
   * @param {HTMLFormElement} form contains #filter, #filter-clear, #filter-status,
   *   #filter-error, #time-chip
   * @param {(expr: string) => void} onApply
   * @param {() => void} onClearTime
   */
  constructor(form, onApply, onClearTime) {
    this.input = form.querySelector('#filter');
    this.status = form.querySelector('#filter-status');
    this.errorEl = form.querySelector('#filter-error');
    this.chip = form.querySelector('#time-chip');
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      onApply(this.input.value.trim());
    });
    form.querySelector('#filter-clear').addEventListener('click', () => {
      this.input.value = '';
      onApply('');
    });
    this.chip.querySelector('button').addEventListener('click', () => onClearTime());
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.input.value) {
        this.input.value = '';
        onApply('');
      }
    });
  }

  get value() {
    return this.input.value.trim();
  }

  set value(text) {
    this.input.value = text;
  }

  /** Shows what the filter selected (or clears the status). */
  setStatus(text) {
    this.status.textContent = text;
  }

  /** The time range chip: "12.5–30.0 s" or hidden for null. */
  setTimeRange(range) {
    this.chip.hidden = !range;
    if (range) {
      this.chip.querySelector('span').textContent =
        `time ${range[0].toFixed(3)}–${range[1].toFixed(3)} s`;
    }
  }

  /** Shows `error` for expression `text`: the message, the expression, a caret under the span. */
  showError(error, text) {
    this.input.setAttribute('aria-invalid', 'true');
    const span = errorSpan(error, text);
    const message = document.createElement('div');
    message.className = 'filter-message';
    message.textContent = error.message;
    this.errorEl.replaceChildren(message);
    if (span) {
      const code = document.createElement('pre');
      code.className = 'filter-caret';
      const caret = ' '.repeat(Math.min(span.start, text.length)) +
        '^' + '~'.repeat(Math.max(0, Math.min(span.end, text.length + 1) - span.start - 1));
      code.textContent = `${text}\n${caret}`;
      this.errorEl.append(code);
    }
    this.errorEl.hidden = false;
  }

  clearError() {
    this.input.removeAttribute('aria-invalid');
    this.errorEl.hidden = true;
    this.errorEl.replaceChildren();
  }
}
