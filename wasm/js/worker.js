// Module Web Worker entry of openCaptureInWorker: owns the wasm module and the captures, and
// answers the page's requests (worker-protocol.js).
import { openCapture } from './browser.js';
import { serveCaptures } from './worker-protocol.js';

serveCaptures(self, openCapture);
