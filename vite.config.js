// Builds the static site from web/ into dist/ with relative URLs (hostable under any path).
// The module worker and the wasm file are bundled as assets. The built page carries a strict
// Content-Security-Policy (added at build time only: the dev server injects inline styles).
import { defineConfig } from 'vite';

/**
 * Everything comes from the page's own origin and nothing is sent anywhere: no remote origins,
 * no inline scripts or styles, wasm compilation allowed ('wasm-unsafe-eval').
 * Checked by tests/browser/safety.test.mjs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Adds the CSP meta element to the built index.html. */
const contentSecurityPolicy = {
  name: 'pcapscope-csp',
  apply: 'build',
  transformIndexHtml() {
    return [{
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
      injectTo: 'head-prepend',
    }];
  },
};

export default defineConfig({
  root: 'web',
  base: './',
  publicDir: 'public',
  plugins: [contentSecurityPolicy],
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
