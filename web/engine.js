// The page's side of the worker: starts the module worker, sends it requests and resolves
// their replies, and restarts it when the engine fails (a wasm trap, out of memory, a worker
// crash) so the page stays usable. The page never touches wasm.

/** Names of errors that mean the wasm instance is unusable (the worker is replaced). */
export const FATAL_PATTERN = /RuntimeError|Aborted\(|out of memory|OOM|memory access out of bounds|unreachable/i;

export class Engine {
  #worker = null;
  #replies = new Map();  // req → {resolve, reject, parts}
  #nextReq = 0;
  #onEvent;
  #onFatal;

  /**
   * @param {(msg: object) => void} onEvent messages that are not replies (progress, summary, …)
   * @param {(message: string) => void} onFatal the engine failed; it has been restarted
   */
  constructor(onEvent, onFatal) {
    this.#onEvent = onEvent;
    this.#onFatal = onFatal;
    this.#start();
  }

  /** Restarts counter: how many times the worker was replaced (for tests and messages). */
  restarts = 0;

  #start() {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data: msg }) => this.#message(worker, msg);
    worker.onerror = (event) => {
      event.preventDefault?.();
      this.#fail(worker, event.message || 'the worker stopped');
    };
    worker.onmessageerror = () => this.#fail(worker, 'a message from the worker could not be read');
    this.#worker = worker;
  }

  #message(worker, msg) {
    if (worker !== this.#worker) return;
    if (msg.type === 'reply' || msg.type === 'part') {
      const pending = this.#replies.get(msg.req);
      if (!pending) return;
      if (msg.type === 'part') {
        pending.parts.push(...msg.result);
        return;
      }
      this.#replies.delete(msg.req);
      if (msg.error !== undefined) {
        const error = new Error(msg.error);
        Object.assign(error, msg.details ?? {});
        pending.reject(error);
      } else {
        pending.resolve(msg.parted ? pending.parts : msg.result);
      }
      return;
    }
    if (msg.type === 'fatal') {
      this.#fail(worker, msg.message);
      return;
    }
    this.#onEvent(msg);
  }

  /** Replaces a failed worker: pending requests reject, then onFatal is told. */
  #fail(worker, message) {
    if (worker !== this.#worker) return;
    worker.terminate();
    this.restarts++;
    const pending = [...this.#replies.values()];
    this.#replies.clear();
    this.#start();
    for (const p of pending) p.reject(new Error(`the engine failed: ${message}`));
    this.#onFatal(message);
  }

  /** Sends a message that expects no reply (open, cancel). */
  post(msg, transfer = []) {
    this.#worker.postMessage(msg, transfer);
  }

  /**
   * Asks the worker `method` about capture `id`; resolves with its result.
   * @returns {Promise<any>}
   */
  ask(id, method, args = {}) {
    const req = ++this.#nextReq;
    return new Promise((resolve, reject) => {
      this.#replies.set(req, { resolve, reject, parts: [] });
      this.#worker.postMessage({ type: 'call', id, req, method, args });
    });
  }
}
