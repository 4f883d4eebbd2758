// require() for the CLI's bundles with V8's code cache beside each (`<file>.cache`, made by
// build.mjs): compiling dist/skills.cjs was the largest part of every start (~30 ms of
// `skills --version`), openpgp's bundle ~15 ms of every command that verifies a signature, and a
// cached compile takes a few. A cache that does not fit this Node (another V8 version or other V8
// flags) is rejected by V8 and the file compiles as usual; nothing is written at run time, so a
// read-only install works the same.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: see above */
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const loaded = new Map();

/**
 * Loads `file` (absolute) as a CommonJS module once, like require(). With SKILLS_BUILD_CODE_CACHE
 * set (build.mjs only) it writes the file's cache: right after the module ran with `after-run`, or
 * when the process exits with `at-exit`, so the cache also holds what the rest of that run compiled.
 */
function requireCached(file, build = 'after-run') {
  const known = loaded.get(file);
  if (known !== undefined) return known.exports;
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const loadedModule = new Module(file, module);
  loadedModule.filename = file;
  loadedModule.paths = Module._nodeModulePaths(path.dirname(file));
  loaded.set(file, loadedModule);
  const writeCache = () => fs.writeFileSync(`${file}.cache`, script.createCachedData());
  if (process.env.SKILLS_BUILD_CODE_CACHE && build === 'at-exit') process.once('exit', writeCache);
  script
    .runInThisContext()
    .call(
      loadedModule.exports,
      loadedModule.exports,
      Module.createRequire(file),
      loadedModule,
      file,
      path.dirname(file),
    );
  loadedModule.loaded = true;
  if (process.env.SKILLS_BUILD_CODE_CACHE && build === 'after-run') writeCache();
  return loadedModule.exports;
}

module.exports = { requireCached };
