// Loads the bundle (dist/skills.cjs) the way require() would, but with V8's code cache for it
// (dist/skills.cjs.cache, written by build.mjs): compiling the ~1 MB bundle was the largest part
// of every start (~30 ms of `skills --version`), and a cached compile takes a few. A cache that
// does not fit this Node (another V8 version or flags) is rejected by V8 and the bundle compiles
// as usual; nothing is written at run time, so a read-only install works the same.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: see above */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const file = path.join(__dirname, '..', 'dist', 'skills.cjs');
const cacheFile = `${file}.cache`;
const source = fs.readFileSync(file, 'utf8');
let cachedData;
try {
  cachedData = fs.readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
const bundle = new Module(file, module);
bundle.filename = file;
bundle.paths = Module._nodeModulePaths(path.dirname(file));
if (process.env.SKILLS_BUILD_CODE_CACHE === cacheFile) {
  // build.mjs runs one command this way: the cache then holds what a start compiles.
  process.once('exit', () => fs.writeFileSync(cacheFile, script.createCachedData()));
}
script
  .runInThisContext()
  .call(bundle.exports, bundle.exports, Module.createRequire(file), bundle, file, path.dirname(file));
bundle.loaded = true;
module.exports = bundle.exports;
// Run directly (as build.mjs does), it runs the command line like bin/skills.js.
if (require.main === module) bundle.exports.runExit(process.argv.slice(2));
