// Prepended outside the Emscripten module factory (--extern-pre-js). Under Node only, gives the
// ES-module glue the CommonJS names it expects (`require`, `__dirname`); browsers skip it.
// Needs Node >= 20.16 for process.getBuiltinModule.
var require, __dirname;
if (typeof process === 'object' && process.versions && process.versions.node &&
    typeof process.getBuiltinModule === 'function') {
  require = process.getBuiltinModule('module').createRequire(import.meta.url);
  __dirname = require('path').dirname(require('url').fileURLToPath(import.meta.url));
}
