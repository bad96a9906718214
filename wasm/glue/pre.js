// Prepended inside the module factory (--pre-js). Under Node, when the caller gave neither
// `wasmBinary` nor `instantiateWasm`, reads the .wasm next to the glue with fs (Node's fetch
// cannot load file: URLs). Never use import.meta here: the minifier cannot parse it.
if (typeof process === 'object' && process.versions && process.versions.node &&
    !Module['wasmBinary'] && !Module['instantiateWasm']) {
  Module['instantiateWasm'] = function (imports, receiveInstance) {
    var fs = require('fs');
    var path = require('path');
    var file = Module['locateFile'] ? Module['locateFile']('pcapscope_wasm.wasm', __dirname + '/')
                                    : path.join(__dirname, 'pcapscope_wasm.wasm');
    var bytes = fs['readFileSync'](file);
    WebAssembly.instantiate(bytes, imports).then(function (result) {
      receiveInstance(result['instance'], result['module']);
    }, function (e) {
      abort(e);  // rejects the module promise
    });
    return {};
  };
}
