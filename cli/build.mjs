// Bundles the CLI into CommonJS: `dist/skills.cjs` (the commands, clipanion, yaml, @skills/schema's
// built dist, …) plus one file per heavy library in `dist/vendor/`. An ESM bundle fails on the
// dynamic `require("tty")` inside dependencies, and in CommonJS `import.meta.url` is empty, so a
// warning about it — or any other — fails the build rather than shipping a binary that breaks.
//
// Heavy libraries load only in the commands that need them (DESIGN §1): the CLI imports them with
// `import()`, and the main bundle turns each such import into a `require` of `dist/vendor/<lib>.cjs`
// through bin/code-cache.cjs (with the file's V8 code cache). A single bundle would still compile
// them at every start (~25 ms per 2 MB here, on `skills --version`).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');

/** Bare specifiers that get a vendor bundle of their own, and its file name. */
export const VENDOR = {
  openpgp: 'openpgp.cjs',
  undici: 'undici.cjs',
  'isomorphic-git': 'isomorphic-git.cjs',
};

/**
 * Vendor bundles that hold only part of their library. undici's index loads fetch, WebSocket,
 * EventSource, cookies, caches and mocks (~45 ms of every command that touches the network, in a
 * profile of a no-change `skills sync`); the CLI uses an Agent (an EnvHttpProxyAgent behind a
 * proxy) and `Dispatcher#request`, which undici's index adds to the prototype the same way.
 * `cli/src/http/client.ts` types its import to exactly these names.
 */
const VENDOR_ENTRY = {
  undici: `'use strict';
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
Object.assign(Dispatcher.prototype, require('undici/lib/api'));
module.exports = {
  Agent: require('undici/lib/dispatcher/agent'),
  get EnvHttpProxyAgent() {
    return require('undici/lib/dispatcher/env-http-proxy-agent');
  },
};
`,
};

const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

/** Resolves the vendor specifiers (but `except`) to their bundle, relative to the requiring file. */
const vendorExternal = (from, except = null) => ({
  name: 'vendor-external',
  setup(pluginBuild) {
    const names = Object.keys(VENDOR).filter((name) => name !== except);
    const filter = new RegExp(`^(${names.map((name) => name.replace(/[/-]/g, '\\$&')).join('|')})$`);
    pluginBuild.onResolve({ filter }, (args) => ({ path: `${from}${VENDOR[args.path]}`, external: true }));
  },
});

/**
 * `node:crypto` and `node:zlib` cost ~10 ms to load, and most runs (`--version`, `search`) never
 * hash or inflate anything; but modules import them at the top. In the main bundle they are
 * stand-ins that load the real module on the first call. An import of a name a stand-in lacks
 * fails the build ("No matching export"), so nothing can reach a missing function at run time.
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
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:(crypto|zlib)$/ }, (args) =>
      args.namespace === 'lazy-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-builtin' },
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: LAZY_BUILTINS[args.path],
      loader: 'js',
    }));
  },
};

/**
 * The manifest validator, precompiled: @skills/schema compiles skill.schema.json with ajv on first
 * use (~40 ms of every `skills install`). Here its module is replaced by ajv's standalone code for
 * the same schema and options, so the bundle validates without compiling and carries no compiler.
 */
const precompiledManifest = {
  name: 'precompiled-manifest-validator',
  setup(pluginBuild) {
    pluginBuild.onLoad(
      { filter: /[\\/]schema[\\/]dist[\\/]src[\\/]manifest-validator\.js$/ },
      async (args) => {
        const { MANIFEST_AJV_OPTIONS } = await import(args.path);
        const schemaFile = path.join(here, '../schema/skill.schema.json');
        const ajv = new Ajv({ ...MANIFEST_AJV_OPTIONS, code: { source: true } });
        const code = standaloneCode(ajv, ajv.compile(JSON.parse(await readFile(schemaFile, 'utf8'))));
        return {
          contents: `const validate = (() => {
  const module = { exports: {} };
  const exports = module.exports;
${code}
  return module.exports;
})();
export const MANIFEST_AJV_OPTIONS = ${JSON.stringify(MANIFEST_AJV_OPTIONS)};
export function compileManifestValidator() {
  return validate;
}
`,
          loader: 'js',
          resolveDir: path.dirname(args.path),
        };
      },
    );
  },
};

await rm(path.join(dist, 'vendor'), { recursive: true, force: true });
await mkdir(path.join(dist, 'vendor'), { recursive: true });

const results = [
  await build({
    ...common,
    entryPoints: [path.join(here, 'src/main.ts')],
    outfile: path.join(dist, 'skills.cjs'),
    plugins: [vendorExternal('./vendor/'), lazyBuiltins, precompiledManifest],
  }),
];
for (const [specifier, file] of Object.entries(VENDOR)) {
  results.push(await buildVendor(specifier, file));
}

/**
 * One library as a CommonJS file. The entry is CommonJS too, so the library resolves through its
 * `require` condition (openpgp's ESM build calls createRequire(import.meta.url), which CommonJS
 * cannot run); other vendor libraries it imports stay external.
 */
async function buildVendor(specifier, file) {
  const entry = path.join(dist, 'vendor', `${file}.entry.cjs`);
  await writeFile(
    entry,
    VENDOR_ENTRY[specifier] ?? `module.exports = require(${JSON.stringify(specifier)});\n`,
  );
  try {
    return await build({
      ...common,
      entryPoints: [entry],
      outfile: path.join(dist, 'vendor', file),
      plugins: [vendorExternal('./', specifier)],
    });
  } finally {
    await rm(entry);
  }
}

/**
 * esbuild leaves an external `import()` as it is; in CommonJS that goes through Node's ESM loader,
 * which scans the whole vendor file for named exports first. bin/code-cache.cjs returns the same
 * exports object without the scan, compiled with the vendor bundle's code cache.
 */
async function requireVendorImports(file) {
  const code = await readFile(file, 'utf8');
  const pattern = /import\((["'])\.\/vendor\/([a-z-]+\.cjs)\1\)/g;
  await writeFile(
    file,
    code.replace(
      pattern,
      (_, quote, target) =>
        `Promise.resolve().then(() => require("../bin/code-cache.cjs").requireCached(require("node:path").join(__dirname, "vendor", ${quote}${target}${quote})))`,
    ),
  );
}
await requireVendorImports(path.join(dist, 'skills.cjs'));

const warnings = results.reduce((sum, result) => sum + result.warnings.length, 0);
if (warnings > 0) {
  console.error(`build.mjs: ${warnings} warning(s), failing the build`);
  process.exit(1);
}

// V8's code caches (bin/code-cache.cjs). The main bundle's is written at the end of one command
// run through bin/load.cjs — an install of an example from its folder, in a scratch home — so it
// holds what a start and an install compile (a cache made by `--version` alone left ~30 ms of
// an install's CPU to lazy compiles). The vendor bundles' by scripts/vendor-code-cache.cjs.
const caches = [
  path.join(dist, 'skills.cjs.cache'),
  ...Object.values(VENDOR).map((file) => path.join(dist, 'vendor', `${file}.cache`)),
];
for (const file of caches) await rm(file, { force: true });
const scratch = await mkdtemp(path.join(tmpdir(), 'skills-build-cache-'));
try {
  execFileSync(
    process.execPath,
    [path.join(here, 'bin/load.cjs'), 'install', path.join(here, '../examples/conventional-commits')],
    {
      cwd: scratch,
      env: {
        PATH: process.env.PATH,
        HOME: scratch,
        SKILLS_HOME: path.join(scratch, '.skills'),
        NO_COLOR: '1',
        SKILLS_BUILD_CODE_CACHE: '1',
      },
      stdio: 'ignore',
    },
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
execFileSync(process.execPath, [path.join(here, 'scripts/vendor-code-cache.cjs')], {
  env: { ...process.env, SKILLS_BUILD_CODE_CACHE: '1' },
  stdio: 'inherit',
});
for (const file of caches) {
  if (!existsSync(file)) {
    console.error(
      `build.mjs: ${path.relative(here, file)} was not written (is scripts/vendor-code-cache.cjs current?)`,
    );
    process.exit(1);
  }
}
