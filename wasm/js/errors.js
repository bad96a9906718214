// Typed errors of the pcapscope npm package.

/** The input is not a capture pcapscope can read (or reading failed before the first packet). */
export class CaptureFormatError extends Error {
  /**
   * @param {string} message what the input looks like / why reading stopped, from the core
   * @param {{offset?: number, cause?: unknown}} [details] byte offset of the problem when known
   */
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CaptureFormatError';
    /** Byte offset (in the decompressed input) where reading failed, when known. */
    this.offset = details.offset;
  }
}

/** A display filter that does not compile (Capture.select, exportCapture({filter})). */
export class FilterError extends Error {
  /**
   * @param {string} message what is wrong and where, from the core (e.g. `unknown field
   *   "tcp.prot" at 1–8; did you mean "tcp.port"?`)
   * @param {{expr?: string, start?: number, end?: number, hint?: string}} [details] the byte
   *   range [start, end) of the offending text in `expr` (0-based) and an optional hint
   */
  constructor(message, details = {}) {
    super(message);
    this.name = 'FilterError';
    /** The expression that failed. */
    this.expr = details.expr ?? '';
    /** First byte of the offending text (0-based). */
    this.start = details.start ?? 0;
    /** One past its last byte. */
    this.end = details.end ?? 0;
    /** e.g. `did you mean "tcp.port"?` (may be empty). */
    this.hint = details.hint ?? '';
  }
}
