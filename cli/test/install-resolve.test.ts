import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { SkillsError } from '@skills/schema';
import {
  exactPin,
  resolve,
  type Candidate,
  type CandidateSource,
  type RootRequest,
} from '../src/install/resolve.js';

const MAIN = 'https://main.example/index/';
const OTHER = 'https://other.example/index/';

type Registry = Record<string, Array<[version: string, deps?: Record<string, string>, yanked?: boolean]>>;

function candidate(
  source: string,
  name: string,
  version: string,
  deps: Record<string, string> = {},
  yanked = false,
): Candidate<string> {
  return { name, version, source, depsSource: source, deps, yanked, origin: `${source}${name}@${version}` };
}

/**
 * The skill's latest as DESIGN §4 defines it: the highest non-yanked version, releases before
 * pre-releases; the highest one when every version is yanked.
 */
function latestOf(candidates: Candidate<string>[]): Candidate<string> | null {
  const ranked = [...candidates].sort((a, b) => {
    if (a.yanked !== b.yanked) return a.yanked ? 1 : -1;
    const aRelease = semver.prerelease(a.version) === null;
    const bRelease = semver.prerelease(b.version) === null;
    if (aRelease !== bRelease) return aRelease ? -1 : 1;
    return semver.rcompare(a.version, b.version);
  });
  return ranked[0] ?? null;
}

/**
 * An in-memory set of registries; records which names' versions were asked for. With
 * `withLatest` it also answers `latest` the way the synced catalog does.
 */
function registries(all: Record<string, Registry>, withLatest = false, defaultSource = MAIN) {
  const asked: string[] = [];
  const candidates = (where: string, name: string): Candidate<string>[] =>
    (all[where]?.[name] ?? []).map(([version, deps, yanked]) =>
      candidate(where, name, version, deps, yanked),
    );
  const source: CandidateSource<string> = {
    defaultSource: async () => defaultSource,
    versions: async (where, name) => {
      asked.push(`${where}${name}`);
      return candidates(where, name);
    },
    ...(withLatest
      ? { latest: async (where: string, name: string) => latestOf(candidates(where, name)) }
      : {}),
  };
  return { source, asked };
}

function root(name: string, range: string | null = null, source: string | null = null): RootRequest {
  return { name, range, source, label: 'the command line' };
}

async function picked(
  roots: RootRequest[],
  all: Record<string, Registry>,
  withLatest: boolean,
  preferred: Map<string, Candidate<string>> = new Map(),
): Promise<Record<string, string>> {
  const resolution = await resolve({ roots, preferred, source: registries(all, withLatest).source });
  return Object.fromEntries([...resolution].map(([name, skill]) => [name, skill.candidate.version]));
}

async function failure(promise: Promise<unknown>): Promise<SkillsError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SkillsError);
  return error as SkillsError;
}

// Every case twice: from every version, and with the catalog's latest answering first — which
// must never change a pick, only how many index files are read.
describe.each([
  ['every version', false],
  ['the catalog latest first', true],
])('resolve, reading %s', (_, withLatest) => {
  it('should pick the highest matching version that is not yanked, with its dependencies', async () => {
    const all = {
      [MAIN]: {
        app: [['1.0.0', { lib: '^1.0.0' }], ['1.1.0', { lib: '^1.2.0' }], ['2.0.0-beta.1']],
        lib: [['1.0.0'], ['1.2.0'], ['1.3.0', {}, true], ['2.0.0']],
      },
    } satisfies Record<string, Registry>;
    expect(await picked([root('app', '^1.0.0')], all, withLatest)).toEqual({ app: '1.1.0', lib: '1.2.0' });
    // No range: the latest release, not the higher pre-release.
    expect(await picked([root('app')], all, withLatest)).toEqual({ app: '1.1.0', lib: '1.2.0' });
    // A pre-release only when the range names one.
    expect(await picked([root('app', '^2.0.0-beta.1')], all, withLatest)).toEqual({ app: '2.0.0-beta.1' });
  });

  it('should choose a yanked version only when a range pins it exactly', async () => {
    const all = { [MAIN]: { lib: [['1.0.0'], ['1.1.0', {}, true]] } } satisfies Record<string, Registry>;
    expect(await picked([root('lib', '^1.0.0')], all, withLatest)).toEqual({ lib: '1.0.0' });
    expect(await picked([root('lib', '1.1.0')], all, withLatest)).toEqual({ lib: '1.1.0' });
    expect(await picked([root('lib', '=1.1.0')], all, withLatest)).toEqual({ lib: '1.1.0' });
    const error = await failure(picked([root('lib', '^1.1.0')], all, withLatest));
    expect(error.code).toBe('VERSION_NOT_FOUND');
    expect(error.message).toContain(
      'no version that is not yanked of lib satisfies the command line → lib@^1.1.0',
    );
    expect(error.hint).toContain('lib@1.1.0');
  });

  it('should keep a preferred (installed or locked) version that satisfies, without asking a registry', async () => {
    const { source, asked } = registries({ [MAIN]: { lib: [['1.0.0'], ['1.5.0']] } }, withLatest);
    const preferred = new Map([['lib', candidate(MAIN, 'lib', '1.0.0')]]);
    const resolution = await resolve({ roots: [root('lib', '^1.0.0')], preferred, source });
    expect(resolution.get('lib')!.candidate.version).toBe('1.0.0');
    expect(asked).toEqual([]);
    // A preference the range excludes is replaced.
    const moved = await resolve({ roots: [root('lib', '^1.2.0')], preferred, source });
    expect(moved.get('lib')!.candidate.version).toBe('1.5.0');
  });

  it('should resolve a dependency only in the registry of the skill that declares it', async () => {
    const all = {
      [MAIN]: { app: [['1.0.0', { lib: '^1.0.0' }]], lib: [['1.9.0']] },
      [OTHER]: { tool: [['1.0.0', { lib: '^1.0.0' }]], lib: [['1.1.0']] },
    } satisfies Record<string, Registry>;
    expect(await picked([root('tool', null, OTHER)], all, withLatest)).toEqual({
      tool: '1.0.0',
      lib: '1.1.0',
    });
    // Both want lib, each from its own registry: one version per name makes that a conflict.
    const error = await failure(picked([root('app'), root('tool', null, OTHER)], all, withLatest));
    expect(error.code).toBe('RESOLVE_CONFLICT');
    expect(error.message).toContain(`(from ${MAIN} and from ${OTHER})`);
  });

  it('should revisit a choice a later requirement rejects, when another version satisfies both', async () => {
    // a picks shared 1.5.0 first; b then needs <1.3: the walk restarts and picks 1.2.0 for both.
    const all = {
      [MAIN]: {
        a: [['1.0.0', { shared: '^1.0.0' }]],
        b: [['1.0.0', { shared: '>=1.1.0 <1.3.0' }]],
        shared: [['1.0.0'], ['1.2.0'], ['1.5.0']],
      },
    } satisfies Record<string, Registry>;
    const resolution = await resolve({
      roots: [root('a'), root('b')],
      preferred: new Map(),
      source: registries(all, withLatest).source,
    });
    expect(resolution.get('shared')!.candidate.version).toBe('1.2.0');
    expect(resolution.get('shared')!.requiredBy).toEqual(['a', 'b']);
    expect(resolution.get('a')!.requiredBy).toEqual(['@user']);
  });

  it('should name both chains when no single version satisfies them', async () => {
    const all = {
      [MAIN]: {
        top: [['1.0.0', { left: '^1.0.0', right: '^1.0.0' }]],
        left: [['1.0.0', { shared: '^1.0.0' }]],
        right: [['1.0.0', { shared: '^2.0.0' }]],
        shared: [['1.0.0'], ['2.0.0']],
      },
    } satisfies Record<string, Registry>;
    const error = await failure(picked([root('top')], all, withLatest));
    expect(error.code).toBe('RESOLVE_CONFLICT');
    expect(error.message).toBe(
      'no single version of shared satisfies both the command line → top@1.0.0 → left@1.0.0 → shared@^1.0.0 and the command line → top@1.0.0 → right@1.0.0 → shared@^2.0.0',
    );
  });

  it('should refuse a dependency cycle, naming it', async () => {
    const all = {
      [MAIN]: {
        a: [['1.0.0', { b: '^1.0.0' }]],
        b: [['1.0.0', { c: '^1.0.0' }]],
        c: [['1.0.0', { a: '^1.0.0' }]],
      },
    } satisfies Record<string, Registry>;
    const error = await failure(picked([root('a')], all, withLatest));
    expect(error.code).toBe('RESOLVE_CYCLE');
    expect(error.message).toBe(
      'these skills depend on each other in a cycle: a@1.0.0 → b@1.0.0 → c@1.0.0 → a@1.0.0',
    );
  });

  it('should treat a local package as the only version its name can have', async () => {
    const all = {
      [MAIN]: { lib: [['1.0.0'], ['2.0.0']], app: [['1.0.0', { lib: '^2.0.0' }]] },
    } satisfies Record<string, Registry>;
    const local: Candidate<string> = {
      name: 'lib',
      version: '1.0.0',
      source: 'file:/work/lib',
      depsSource: null,
      deps: {},
      yanked: false,
      origin: 'local',
    };
    const resolution = await resolve({
      roots: [{ name: 'lib', range: null, source: null, label: 'the command line', fixed: local }],
      preferred: new Map(),
      source: registries(all, withLatest).source,
    });
    expect(resolution.get('lib')!.candidate.source).toBe('file:/work/lib');
    const error = await failure(
      resolve({
        roots: [
          { name: 'lib', range: null, source: null, label: 'the command line', fixed: local },
          root('app'),
        ],
        preferred: new Map(),
        source: registries(all, withLatest).source,
      }),
    );
    expect(error.code).toBe('RESOLVE_CONFLICT');
  });

  it('should report a skill no registry knows', async () => {
    const error = await failure(picked([root('ghost')], { [MAIN]: {} }, withLatest));
    expect(error.code).toBe('SKILL_NOT_FOUND');
    expect(error.message).toContain(`${MAIN} has no skill named ghost`);
  });
});

describe('resolve: reading dependencies at once', () => {
  it('asks for every dependency of a package before the first answer, each once', async () => {
    const asked: string[] = [];
    const waiting: Array<() => void> = [];
    const all: Registry = {
      app: [['1.0.0', { a: '^1.0.0', b: '^1.0.0', c: '^1.0.0' }]],
      a: [['1.0.0', { c: '^1.0.0' }]],
      b: [['1.0.0']],
      c: [['1.0.0'], ['1.1.0']],
    };
    const source: CandidateSource<string> = {
      defaultSource: async () => MAIN,
      versions: async (where, name) => {
        asked.push(name);
        // Answers only once all three dependencies of app were asked for: a resolver that waited
        // for each answer before asking the next would never finish.
        if (name !== 'app') {
          await new Promise<void>((done) => {
            waiting.push(done);
            if (waiting.length === 3) for (const go of waiting) go();
          });
        }
        return (all[name] ?? []).map(([version, deps]) => candidate(where, name, version, deps));
      },
    };
    const resolution = await resolve({ roots: [root('app')], preferred: new Map(), source });
    expect(
      Object.fromEntries([...resolution].map(([name, skill]) => [name, skill.candidate.version])),
    ).toEqual({
      app: '1.0.0',
      a: '1.0.0',
      b: '1.0.0',
      c: '1.1.0',
    });
    expect(asked.sort()).toEqual(['a', 'app', 'b', 'c']);
  });

  it('does not ask for a dependency it keeps, and reports a failed read where the walk needs it', async () => {
    const asked: string[] = [];
    const kept = candidate(MAIN, 'kept', '1.2.0');
    const source: CandidateSource<string> = {
      defaultSource: async () => MAIN,
      versions: async (where, name) => {
        asked.push(name);
        if (name === 'broken')
          throw new SkillsError('INDEX_INCONSISTENT', 'broken: the index file is damaged');
        return name === 'app' ? [candidate(where, name, '1.0.0', { kept: '^1.0.0', broken: '^1.0.0' })] : [];
      },
    };
    const error = await failure(
      resolve({ roots: [root('app')], preferred: new Map([['kept', kept]]), source }),
    );
    expect(error.code).toBe('INDEX_INCONSISTENT');
    expect(asked.sort()).toEqual(['app', 'broken']);
  });
});

describe('resolve: the catalog latest', () => {
  it('reads no versions when the latest decides, and every version when it cannot', async () => {
    const all = {
      [MAIN]: {
        app: [['1.0.0', { lib: '^1.0.0', tool: '~2.1.0' }]],
        lib: [['1.0.0'], ['1.4.0'], ['2.0.0-rc.1']],
        tool: [['2.1.0'], ['2.1.3'], ['2.2.0']],
        old: [['1.0.0'], ['1.1.0', {}, true]],
      },
    } satisfies Record<string, Registry>;
    const run = async (roots: RootRequest[]) => {
      const { source, asked } = registries(all, true);
      const resolution = await resolve({ roots, preferred: new Map(), source });
      const versions = Object.fromEntries(
        [...resolution].map(([name, one]) => [name, one.candidate.version]),
      );
      return { versions, asked: asked.map((where) => where.slice(MAIN.length)).sort() };
    };
    // app's and lib's latest satisfy `^1.0.0`; tool's latest (2.2.0) is outside `~2.1.0`.
    expect(await run([root('app', '^1.0.0')])).toEqual({
      versions: { app: '1.0.0', lib: '1.4.0', tool: '2.1.3' },
      asked: ['tool'],
    });
    // A range naming a pre-release may rank one above the latest release.
    expect(await run([root('lib', '>=1.0.0-0')])).toEqual({ versions: { lib: '1.4.0' }, asked: ['lib'] });
    expect(await run([root('lib', '^2.0.0-rc.0')])).toEqual({
      versions: { lib: '2.0.0-rc.1' },
      asked: ['lib'],
    });
    // An exact pin of the latest needs nothing more; of a yanked version, every version.
    expect(await run([root('old', '1.0.0')])).toEqual({ versions: { old: '1.0.0' }, asked: [] });
    expect(await run([root('old', '1.1.0')])).toEqual({ versions: { old: '1.1.0' }, asked: ['old'] });
  });
});

describe('exactPin', () => {
  it('should find the version a range names exactly, and nothing else', () => {
    expect(exactPin('1.2.3')).toBe('1.2.3');
    expect(exactPin('=1.2.3')).toBe('1.2.3');
    expect(exactPin('1.0.0-beta.1')).toBe('1.0.0-beta.1');
    expect(exactPin('^1.2.3')).toBeNull();
    expect(exactPin('*')).toBeNull();
    expect(exactPin('1.2.3 || 1.2.4')).toBeNull();
    expect(exactPin(null)).toBeNull();
  });
});
