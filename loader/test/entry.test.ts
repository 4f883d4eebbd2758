import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { sandbox } from './helpers.js';

/**
 * What importing the built loader pulls in, seen from a child process: every module the ESM
 * resolver hands out (through a resolve hook) and every built-in module Node loaded, compared with
 * a child that ran the same script without the loader.
 */
const work = mkdtempSync(path.join(os.tmpdir(), 'skills-loader-entry-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
writeFileSync(
  path.join(work, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(log, result.url + '\\n');
  return result;
}
`,
);
writeFileSync(
  path.join(work, 'register.mjs'),
  `import { register } from 'node:module';
register(new URL('./hooks.mjs', import.meta.url), { data: { log: process.env.RESOLVE_LOG } });
`,
);
const LOADER_DIR = fileURLToPath(new URL('..', import.meta.url));

function modulesLoaded(
  script: string,
  env: Record<string, string>,
): { resolved: string[]; builtins: string[] } {
  const log = path.join(work, `resolve-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(log, '');
  const out = execFileSync(
    process.execPath,
    ['--import', path.join(work, 'register.mjs'), '--input-type=module', '-e', script],
    { cwd: LOADER_DIR, env: { ...process.env, ...env, RESOLVE_LOG: log }, encoding: 'utf8' },
  );
  return {
    resolved: readFileSync(log, 'utf8').split('\n').filter(Boolean),
    builtins: (JSON.parse(out) as string[]).filter((m) => m.startsWith('NativeModule ')),
  };
}

// `process.moduleLoadList` is read before anything is printed: opening stdout loads modules too.
const report = 'const list = [...process.moduleLoadList]; console.log(JSON.stringify(list));';
const FORBIDDEN = /\/node_modules\/(yaml|ajv|semver|isomorphic-git|openpgp|tar|undici|ignore)\//;
const FORBIDDEN_BUILTINS = [
  'http',
  'https',
  'http2',
  'net',
  'tls',
  'child_process',
  'zlib',
  'worker_threads',
];

describe('the @skills/loader entry', () => {
  it('loads no YAML, ajv, semver, HTTP, git, tar or OpenPGP code to import and discover', () => {
    const box = sandbox();
    box.global.install({ name: 'simple', version: '1.0.0' });
    const env = { HOME: box.userHome, SKILLS_HOME: box.global.dir };
    const baseline = modulesLoaded(`await import('node:fs'); ${report}`, env);
    const used = modulesLoaded(
      `const { discoverSkills } = await import('@skills/loader');
const result = await discoverSkills();
if (result.skills.length !== 1) throw new Error(JSON.stringify(result));
${report}`,
      env,
    );
    expect(used.resolved.filter((url) => FORBIDDEN.test(url))).toEqual([]);
    const added = used.builtins.filter((m) => !baseline.builtins.includes(m)).map((m) => m.slice(13));
    expect(added.filter((m) => FORBIDDEN_BUILTINS.includes(m))).toEqual([]);
    expect(used.resolved.some((url) => url.includes('/schema/dist/src/load.js'))).toBe(true);
    expect(used.resolved.some((url) => url.includes('/schema/dist/src/index.js'))).toBe(false);
  });

  it('loads the YAML library, and no other package, when loading skill.yaml files', () => {
    const box = sandbox();
    box.global.install({ name: 'simple', version: '1.0.0' });
    const env = { HOME: box.userHome, SKILLS_HOME: box.global.dir };
    const used = modulesLoaded(
      `const { loadSkills } = await import('@skills/loader');
const result = await loadSkills({ integrity: true });
if (result.skills.length !== 1) throw new Error(JSON.stringify(result));
${report}`,
      env,
    );
    const packages = new Set(
      used.resolved.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter(Boolean),
    );
    // The workspaces resolve to their real folders, outside node_modules.
    expect([...packages]).toEqual(['yaml']);
  });

  it('has types that resolve under moduleResolution node10 (older settings)', () => {
    const consumer = path.join(LOADER_DIR, 'test', 'fixtures', 'node10-consumer.ts');
    const program = ts.createProgram([consumer], {
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noEmit: true,
      types: ['node'],
      skipLibCheck: false,
    });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 60_000);
});
