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
