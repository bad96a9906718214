// Saving things the page made (exports, CSV, JSON, follow-stream bytes) as downloads, and the
// CSV text of a table. Nothing leaves the machine: the bytes go to a blob: URL.

/** Offers `data` (Blob, typed array or string) as a download named `name`. */
export function download(name, data, type = 'application/octet-stream') {
  const blob = data instanceof Blob ? data : new Blob([data], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(value) {
  const text = value === undefined || value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** CSV text of a header row and rows of cells, CRLF line ends. */
export function toCsv(header, rows) {
  const lines = [header.map(csvField).join(',')];
  for (const row of rows) lines.push(row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** A file-name-safe stem of a capture name ("trace.pcapng.gz" → "trace"). */
export function stem(name) {
  return (name ?? 'capture').replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '').replace(/[^\w.-]+/g, '_') || 'capture';
}
