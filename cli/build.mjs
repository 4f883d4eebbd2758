// Bundles the CLI and everything it imports (clipanion, yaml, @skills/schema's built dist, …) into
// one CommonJS file: it starts faster than loose ESM, and an ESM bundle fails on the dynamic
// `require("tty")` inside dependencies. In CommonJS `import.meta.url` is empty, so a warning about
// it — or any other — fails the build rather than shipping a binary that breaks at run time.
//
// The heavy modules the CLI only `import()`s when a command needs them (undici, openpgp,
// isomorphic-git) go into bundles of their own under dist/vendor/, required from the main bundle
// on first use: every run pays to compile the main bundle, so what `skills search` or
// `skills --version` never runs must not be in it (compiling undici alone cost ~14 ms a start).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const LAZY = ['undici', 'openpgp', 'isomorphic-git'];
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

/** `import('undici')` in the sources becomes `require('./vendor/undici.cjs')` in the bundle. */
const lazyVendor = {
  name: 'lazy-vendor',
  setup(builder) {
    const filter = new RegExp(`^(${LAZY.join('|')})$`);
    builder.onResolve({ filter }, (args) => {
      if (args.kind !== 'dynamic-import') {
        throw new Error(`${args.importer} imports ${args.path} statically: import() it where it is needed`);
      }
      return { path: `./vendor/${args.path}.cjs`, external: true };
    });
  },
};

/**
 * `node:crypto` and `node:zlib` cost ~10 ms to load, and most runs (`--version`, `search`) never
 * hash or inflate anything; but modules import them at the top. They are replaced by stand-ins
 * that load the real module on the first call. An import of a name a stand-in lacks fails the
 * build ("No matching export"), so nothing can reach a missing function at run time.
 */
const LAZY_BUILTINS = {
  'node:crypto': `let real;
const load = () => (real ??= require('node:crypto'));
export function createHash(...args) { return load().createHash(...args); }
export function randomBytes(...args) { return load().randomBytes(...args); }
export function timingSafeEqual(...args) { return load().timingSafeEqual(...args); }`,
  'node:zlib': `let real;
const load = () => (real ??= require('node:zlib'));
export default new Proxy({}, { get: (_, key) => load()[key] });`,
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(builder) {
    builder.onResolve({ filter: /^node:(crypto|zlib)$/ }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-builtin' },
    );
    builder.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: LAZY_BUILTINS[args.path],
      loader: 'js',
    }));
  },
};

const results = [
  await build({
    ...common,
    entryPoints: [path.join(here, 'src/main.ts')],
    outfile: path.join(here, 'dist/skills.cjs'),
    plugins: [lazyVendor, lazyBuiltins],
    // `import()` of a vendor file becomes `require()`: a real import() of CommonJS would run
    // cjs-module-lexer over it (slow) and find no named exports in a bundle.
    supported: { 'dynamic-import': false },
  }),
  ...(await Promise.all(
    LAZY.map((name) =>
      build({
        ...common,
        stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: here },
        outfile: path.join(here, `dist/vendor/${name}.cjs`),
      }),
    ),
  )),
];

const warnings = results.reduce((sum, result) => sum + result.warnings.length, 0);
if (warnings > 0) {
  console.error(`build.mjs: ${warnings} warning(s), failing the build`);
  process.exit(1);
}

// V8's code cache of the bundle, for bin/load.cjs: written by running one command through it,
// so the cache holds what a start compiles (module set-up, the command line, the report).
const cache = path.join(here, 'dist/skills.cjs.cache');
rmSync(cache, { force: true });
execFileSync(process.execPath, [path.join(here, 'bin/load.cjs'), '--version'], {
  env: { ...process.env, SKILLS_BUILD_CODE_CACHE: cache },
  stdio: 'ignore',
});
