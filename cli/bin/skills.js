#!/usr/bin/env node
// Committed so npm links the bin before the build has run; the bundle holds the CLI. CommonJS (see
// package.json beside it), not ESM: an ESM entry costs the ESM loader's start (~4 ms of every
// command), and importing the CommonJS bundle from ESM would also run cjs-module-lexer over it
// (~110 ms). load.cjs compiles the bundle with V8's code cache.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: see above */
require('./load.cjs').runExit(process.argv.slice(2));
