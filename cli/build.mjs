// Bundles the CLI and everything it imports (clipanion, yaml, @skills/schema's built dist, …) into
// one CommonJS file: it starts faster than loose ESM, and an ESM bundle fails on the dynamic
// `require("tty")` inside dependencies. In CommonJS `import.meta.url` is empty, so a warning about
// it — or any other — fails the build rather than shipping a binary that breaks at run time.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * `import('openpgp')` would bundle openpgp's ESM build, whose `createRequire(import.meta.url)`
 * throws in a CommonJS bundle (import.meta.url is undefined there): take its CommonJS build.
 */
const openpgpAsCommonJs = {
  name: 'openpgp-cjs',
  setup(context) {
    context.onResolve({ filter: /^openpgp$/ }, () => ({ path: require.resolve('openpgp') }));
  },
};

const result = await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: path.join(here, 'dist/skills.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  plugins: [openpgpAsCommonJs],
});

if (result.warnings.length > 0) {
  console.error(`build.mjs: ${result.warnings.length} warning(s), failing the build`);
  process.exit(1);
}
