#!/usr/bin/env node
// Committed so npm links the bin before the build has run; the bundle holds the CLI. It is loaded
// with require(), not import: importing CommonJS from ESM runs cjs-module-lexer over the whole
// bundle to find named exports, which cost ~110 ms of a ~300 ms start. load.cjs compiles it with
// V8's code cache.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./load.cjs').runExit(process.argv.slice(2));
