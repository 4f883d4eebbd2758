// Loads the bundle (dist/skills.cjs) with its V8 code cache (see code-cache.cjs). build.mjs runs
// one command through this file to make the cache, so it holds what a start compiles.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: see code-cache.cjs */
const path = require('node:path');
const { requireCached } = require('./code-cache.cjs');

const bundle = requireCached(path.join(__dirname, '..', 'dist', 'skills.cjs'), 'at-exit');
module.exports = bundle;
// Run directly (as build.mjs does), it runs the command line like bin/skills.js.
if (require.main === module) bundle.runExit(process.argv.slice(2));
