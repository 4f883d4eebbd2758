import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SkillsError } from '@skills/schema';
import {
  emptyIndex,
  readInstalledIndex,
  writeInstalledIndex,
  type InstalledIndex,
} from '../src/install/installed-index.js';
import {
  readLockfile,
  readProjectManifest,
  serializeLockfile,
  serializeProjectManifest,
} from '../src/install/project-files.js';
import { repairScope } from '../src/install/repair.js';
import { projectScope } from '../src/install/scope.js';
import { parseSpec } from '../src/install/spec.js';
import { withoutOrphans } from '../src/commands/uninstall.js';
import { tempDir } from './helpers.js';

const SHA = 'b'.repeat(64);

function record(requiredBy: string[], files: Record<string, string> = { 'SKILL.md': SHA }) {
  return { registry: 'https://r.example/index/', sha256: SHA, files, signer: null, requiredBy };
}

async function failure(promise: Promise<unknown>): Promise<SkillsError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SkillsError);
  return error as SkillsError;
}

describe('index.json', () => {
  it('is written sorted, and read back', async () => {
    const file = path.join(await tempDir(), 'index.json');
    const index: InstalledIndex = {
      version: 1,
      skills: {
        zeta: {
          active: '1.0.0',
          versions: { '1.0.0': record(['@user', 'alpha', 'alpha'], { b: SHA, a: SHA }) },
        },
        alpha: { active: '2.0.0', versions: { '2.0.0': record(['@user']) } },
      },
    };
    await writeInstalledIndex(file, index);
    const text = await readFile(file, 'utf8');
    expect(text.indexOf('"alpha"')).toBeLessThan(text.indexOf('"zeta"'));
    const read = await readInstalledIndex(file);
    expect(Object.keys(read.skills['zeta']!.versions['1.0.0']!.files)).toEqual(['a', 'b']);
    expect(read.skills['zeta']!.versions['1.0.0']!.requiredBy).toEqual(['@user', 'alpha']);
    expect(await readInstalledIndex(path.join(path.dirname(file), 'missing.json'))).toEqual(emptyIndex());
  });

  it.each([
    ['not JSON', '{'],
    ['another version', '{"version":2,"skills":{}}'],
    ['a bad name', '{"version":1,"skills":{"../x":{"active":"1.0.0","versions":{"1.0.0":{}}}}}'],
    ['an active version it lacks', '{"version":1,"skills":{"x":{"active":"2.0.0","versions":{}}}}'],
    [
      'a file outside its folder',
      JSON.stringify({
        version: 1,
        skills: { x: { active: '1.0.0', versions: { '1.0.0': record([], { '../../etc/passwd': SHA }) } } },
      }),
    ],
    [
      'a bad signer',
      JSON.stringify({
        version: 1,
        skills: { x: { active: '1.0.0', versions: { '1.0.0': { ...record([]), signer: 'me' } } } },
      }),
    ],
  ])('refuses one with %s, without changing it', async (_, text) => {
    const file = path.join(await tempDir(), 'index.json');
    await writeFile(file, text);
    expect((await failure(readInstalledIndex(file))).code).toBe('INSTALLED_INDEX_INVALID');
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});

describe('skills.json and skills-lock.json', () => {
  it('serialise sorted with two spaces and a final newline', () => {
    expect(serializeProjectManifest({ version: 1, skills: { b: '^1.0.0', a: 'file:vendor/a' } })).toBe(
      '{\n  "version": 1,\n  "skills": {\n    "a": "file:vendor/a",\n    "b": "^1.0.0"\n  }\n}\n',
    );
    const lock = serializeLockfile({
      lockfileVersion: 1,
      skills: {
        b: { deps: { z: '^1', a: '~2' }, signer: null, sha256: SHA, registry: 'r', version: '1.0.0' },
        a: { version: '2.0.0', registry: 'r', sha256: SHA, signer: null, deps: {} },
      },
    });
    expect(lock.indexOf('"a": {')).toBeLessThan(lock.indexOf('"b": {'));
    expect(JSON.parse(lock).skills.b).toEqual({
      version: '1.0.0',
      registry: 'r',
      sha256: SHA,
      signer: null,
      deps: { a: '~2', z: '^1' },
    });
    expect(Object.keys(JSON.parse(lock).skills.b.deps)).toEqual(['a', 'z']);
    expect(lock.endsWith('}\n')).toBe(true);
  });

  it.each([
    ['{"version":1,"skills":{"x":"not a range"}}'],
    ['{"version":1,"skills":{"x":1}}'],
    ['{"version":1,"skills":{"x":"file:"}}'],
    ['{"version":1,"skills":[]}'],
    ['[]'],
  ])('refuses skills.json %s', async (text) => {
    const file = path.join(await tempDir(), 'skills.json');
    await writeFile(file, text);
    expect((await failure(readProjectManifest(file))).code).toBe('SKILLS_JSON_INVALID');
  });

  it.each([
    ['{"lockfileVersion":2,"skills":{}}'],
    [
      JSON.stringify({
        lockfileVersion: 1,
        skills: { x: { version: '1', registry: 'r', sha256: SHA, signer: null, deps: {} } },
      }),
    ],
    [
      JSON.stringify({
        lockfileVersion: 1,
        skills: { x: { version: '1.0.0', registry: 'r', sha256: 'x', signer: null, deps: {} } },
      }),
    ],
    [
      JSON.stringify({
        lockfileVersion: 1,
        skills: { x: { version: '1.0.0', registry: 'r', sha256: SHA, signer: 'x', deps: {} } },
      }),
    ],
    [
      JSON.stringify({
        lockfileVersion: 1,
        skills: {
          x: { version: '1.0.0', registry: 'r', sha256: SHA, signer: null, deps: { y: 'bad range' } },
        },
      }),
    ],
  ])('refuses skills-lock.json %s', async (text) => {
    const file = path.join(await tempDir(), 'skills-lock.json');
    await writeFile(file, text);
    expect((await failure(readLockfile(file))).code).toBe('LOCK_INVALID');
  });
});

describe('install arguments', () => {
  it('tells names, ranges, folders and tarballs apart', () => {
    expect(parseSpec('code-review', '/w', '/h')).toEqual({
      kind: 'registry',
      name: 'code-review',
      range: null,
    });
    expect(parseSpec('code-review@^1.2', '/w', '/h')).toEqual({
      kind: 'registry',
      name: 'code-review',
      range: '^1.2',
    });
    expect(parseSpec('./x', '/w', '/h')).toEqual({ kind: 'dir', path: '/w/x' });
    expect(parseSpec('~/skills/x', '/w', '/h')).toEqual({ kind: 'dir', path: '/h/skills/x' });
    expect(parseSpec('x-1.0.0.tgz', '/w', '/h')).toEqual({ kind: 'tarball', path: '/w/x-1.0.0.tgz' });
    expect(parseSpec('/abs/x.tar.gz', '/w', '/h')).toEqual({ kind: 'tarball', path: '/abs/x.tar.gz' });
  });

  it.each(['Code-Review', 'code review', 'code-review@', 'code-review@1.2.3.4', '@scope'])(
    'refuses %s before any work',
    (spec) => {
      expect(() => parseSpec(spec, '/w', '/h')).toThrow(
        expect.objectContaining({ code: 'USAGE', exitCode: 2 }),
      );
    },
  );
});

describe('repair', () => {
  it('removes unfinished installs and leftovers, and nothing else', async () => {
    const project = await tempDir();
    const scope = projectScope(project);
    const index: InstalledIndex = {
      version: 1,
      skills: { kept: { active: '1.0.0', versions: { '1.0.0': record(['@user']) } } },
    };
    const make = (...parts: string[]) => mkdir(path.join(scope.tree, ...parts), { recursive: true });
    await make('kept', '1.0.0');
    await make('kept', '0.9.0');
    await make('kept', '.tmp-1.1.0-0123456789ab');
    await make('kept', '.trash-0.8.0-0123456789ab');
    await make('kept', 'notes');
    await make('orphan', '2.0.0');
    await make('state', 'registries');
    await writeFile(path.join(scope.tree, 'README.txt'), 'mine');
    const removed = await repairScope(scope, index);
    expect(removed.sort()).toEqual([
      'kept/.tmp-1.1.0-0123456789ab',
      'kept/.trash-0.8.0-0123456789ab',
      'kept/0.9.0',
      'orphan/2.0.0',
    ]);
    expect((await readdir(path.join(scope.tree, 'kept'))).sort()).toEqual(['1.0.0', 'notes']);
    expect((await readdir(scope.tree)).sort()).toEqual(['README.txt', 'kept', 'state']);
  });
});

describe('uninstall’s orphan removal', () => {
  it('removes what only the removed skill needed, and keeps what the user asked for', () => {
    const index: InstalledIndex = {
      version: 1,
      skills: {
        app: { active: '1.0.0', versions: { '1.0.0': record(['@user']) } },
        lib: { active: '1.0.0', versions: { '1.0.0': record(['app']) } },
        deep: { active: '1.0.0', versions: { '1.0.0': record(['lib']) } },
        shared: { active: '1.0.0', versions: { '1.0.0': record(['@user', 'app']) } },
      },
    };
    const next = withoutOrphans(index, 'app');
    expect(Object.keys(next.skills)).toEqual(['shared']);
    expect(next.skills['shared']!.versions['1.0.0']!.requiredBy).toEqual(['@user']);
    expect(Object.keys(index.skills)).toHaveLength(4);
  });
});
