// Module Web Worker that reads a Blob (or File) for openCapture and readPackets on another
// thread (blob-reader.js).
import { serveBlobReads } from './blob-reader.js';

serveBlobReads(self);
