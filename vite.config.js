// Builds the static site from web/ into dist/ with relative URLs (hostable under any path).
// The module worker and the wasm file are bundled as assets.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: 'public',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
  },
  worker: {
    format: 'es',
  },
  preview: {
    host: '127.0.0.1',
  },
});
