import semver from 'semver';
import { compareVersions, SkillsError, satisfies } from '@skills/schema';
import { REQUESTED } from './installed-index.js';

/**
 * One version a skill could be installed at. `origin` is what the install needs to fetch it (an
 * index line, a packed local folder, the copy already installed, …); the resolver never reads it.
 */
export interface Candidate<Origin = unknown> {
  name: string;
  version: string;
  /** Where it comes from: a registry's identity, or `file:<path>` for a local package. */
  source: string;
  /** The registry its dependencies resolve in; null: the command's registry (local packages). */
  depsSource: string | null;
  deps: Readonly<Record<string, string>>;
  yanked: boolean;
  origin: Origin;
}

/** A need for a skill: a range in a registry, and who asked, as a chain a person can follow. */
export interface Requirement {
  name: string;
  /** null: any version — the installed one if it is there, else the latest release. */
  range: string | null;
  /** The registry to resolve in; null accepts any source and picks new versions in the command's registry. */
  source: string | null;
  /** The skill that declares it; null for what the user asked for. */
  by: string | null;
  /** Where it comes from, root first: `['skills.json', 'release-checklist@2.0.1']`. */
  chain: readonly string[];
}

export interface RootRequest {
  name: string;
  range: string | null;
  source: string | null;
  /** Who asks, for messages: `the command line`, `skills.json`, `installed`. */
  label: string;
  /** A local package: the only version this root can have. */
  fixed?: Candidate;
}

export interface CandidateSource<Origin = unknown> {
  /** The identity of the command's registry (`--registry`, else the default); opened on first use. */
  defaultSource(): Promise<string>;
  /** Every version of `name` in the registry `source`, yanked ones included; empty when unknown. */
  versions(source: string, name: string): Promise<Candidate<Origin>[]>;
  /**
   * The registry's latest version of `name` (the highest non-yanked, releases first), when it is
   * known without `versions`; null when not. It decides a pick whenever every requirement accepts
   * it and none asks for pre-releases, so most installs read no index file at all.
   */
  latest?(source: string, name: string): Promise<Candidate<Origin> | null>;
}

export interface ResolveInput<Origin = unknown> {
  roots: readonly RootRequest[];
  /**
   * Versions to keep when every requirement accepts them: what is installed, what the lock says.
   * They need no registry, so an install that changes nothing works offline.
   */
  preferred: ReadonlyMap<string, Candidate<Origin>>;
  source: CandidateSource<Origin>;
}

export interface ResolvedSkill<Origin = unknown> {
  candidate: Candidate<Origin>;
  /** Names of the chosen skills that depend on it, and REQUESTED for a root; sorted. */
  requiredBy: string[];
  requirements: Requirement[];
}

export type Resolution<Origin = unknown> = Map<string, ResolvedSkill<Origin>>;

/** More restarts than any real graph needs; past it the last conflict is reported. */
const MAX_ATTEMPTS = 256;

/**
 * Picks one version per name (DESIGN §6: one version per name per scope). Breadth-first from the
 * roots: each name gets the version a preference names when every requirement seen so far accepts
 * it, else the highest non-yanked version satisfying them all (a yanked one only when a range pins
 * it exactly). When a later requirement rejects a name's version, that requirement is remembered
 * and the walk starts again, so the next pick honours it; when no version satisfies two
 * requirements the error names both chains. This is greedy with restarts, not a full backtracking
 * search: it never revisits a choice that satisfied everything it knew.
 */
export async function resolve<Origin>(input: ResolveInput<Origin>): Promise<Resolution<Origin>> {
  const picker = new Picker(input);
  const hints = new Map<string, Requirement[]>();
  for (let attempt = 1; ; attempt++) {
    const outcome = await walk(input, picker, hints);
    if (outcome.done) {
      checkCycles(outcome.chosen);
      return outcome.chosen;
    }
    const { held, rejected } = outcome;
    const known = hints.get(rejected.name) ?? [];
    if (attempt >= MAX_ATTEMPTS || known.some((hint) => sameRequirement(hint, rejected))) {
      throw conflictError(rejected.name, held, rejected);
    }
    hints.set(rejected.name, [...known, rejected]);
  }
}

type WalkOutcome<Origin> =
  { done: true; chosen: Resolution<Origin> } | { done: false; held: Requirement; rejected: Requirement };

async function walk<Origin>(
  input: ResolveInput<Origin>,
  picker: Picker<Origin>,
  hints: ReadonlyMap<string, Requirement[]>,
): Promise<WalkOutcome<Origin>> {
  const chosen: Resolution<Origin> = new Map();
  const fixed = new Map(input.roots.flatMap((root) => (root.fixed ? [[root.name, root.fixed]] : [])));
  const queue: Requirement[] = [...input.roots]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((root) => ({
      name: root.name,
      range: root.fixed ? root.fixed.version : root.range,
      source: root.fixed ? root.fixed.source : root.source,
      by: null,
      chain: [root.label],
    }));
  for (let req = queue.shift(); req !== undefined; req = queue.shift()) {
    const current = chosen.get(req.name);
    if (current !== undefined) {
      if (accepts(current.candidate, req)) {
        current.requirements.push(req);
        continue;
      }
      const held = current.requirements.find((other) => !compatible(other, req)) ?? current.requirements[0]!;
      return { done: false, held, rejected: req };
    }
    const requirements = [req, ...(hints.get(req.name) ?? [])];
    const candidate = await picker.pick(req.name, requirements, fixed.get(req.name));
    chosen.set(req.name, { candidate, requiredBy: [], requirements: [req] });
    const via = [...req.chain, `${candidate.name}@${candidate.version}`];
    for (const dep of Object.keys(candidate.deps).sort()) {
      const need: Requirement = {
        name: dep,
        range: candidate.deps[dep]!,
        source: candidate.depsSource,
        by: candidate.name,
        chain: via,
      };
      if (!chosen.has(dep) && !fixed.has(dep) && !input.preferred.has(dep)) picker.prefetch(need);
      queue.push(need);
    }
  }
  for (const skill of chosen.values()) {
    skill.requiredBy = [...new Set(skill.requirements.map((req) => req.by ?? REQUESTED))].sort();
  }
  return { done: true, chosen };
}

/** Chooses versions; remembers each registry's answer for the whole resolution. */
class Picker<Origin> {
  readonly #input: ResolveInput<Origin>;
  readonly #versions = new Map<string, Promise<Candidate<Origin>[]>>();
  readonly #latest = new Map<string, Promise<Candidate<Origin> | null>>();

  constructor(input: ResolveInput<Origin>) {
    this.#input = input;
  }

  async pick(
    name: string,
    requirements: readonly Requirement[],
    fixed: Candidate | undefined,
  ): Promise<Candidate<Origin>> {
    if (fixed !== undefined) {
      const refusing = requirements.find((req) => !accepts(fixed, req));
      if (refusing !== undefined) throw conflictError(name, requirements[0]!, refusing);
      return fixed as Candidate<Origin>;
    }
    const preferred = this.#input.preferred.get(name);
    if (preferred !== undefined && requirements.every((req) => accepts(preferred, req))) return preferred;

    const sources = [...new Set(requirements.flatMap((req) => (req.source === null ? [] : [req.source])))];
    if (sources.length > 1) {
      const [first, second] = sources;
      throw conflictError(
        name,
        requirements.find((req) => req.source === first)!,
        requirements.find((req) => req.source === second)!,
      );
    }
    const source = sources[0] ?? (await this.#input.source.defaultSource());
    const latest = await this.latest(source, name);
    if (latest !== null && decides(latest, requirements)) return latest;
    const all = await this.versions(source, name);
    const [req] = requirements;
    if (all.length === 0) {
      throw new SkillsError('SKILL_NOT_FOUND', `${source} has no skill named ${name} (${describe(req!)})`, {
        hint: 'check the name with `skills search`, or run `skills sync` if it was published just now',
      });
    }
    const matching = all.filter(
      (candidate) =>
        requirements.every((one) => accepts(candidate, one)) &&
        (!candidate.yanked || requirements.some((one) => exactPin(one.range) === candidate.version)),
    );
    const anyVersion = requirements.every((one) => one.range === null);
    const best = matching.sort((a, b) => rank(b, a, anyVersion))[0];
    if (best !== undefined) return best;

    for (const one of requirements) {
      if (!all.some((candidate) => accepts(candidate, one) && !candidate.yanked)) {
        throw versionNotFound(name, one, all);
      }
    }
    // Each requirement alone is satisfiable: two of them together are not.
    for (const a of requirements) {
      for (const b of requirements) {
        if (!all.some((candidate) => !candidate.yanked && accepts(candidate, a) && accepts(candidate, b))) {
          throw conflictError(name, a, b);
        }
      }
    }
    throw conflictError(name, requirements[0]!, requirements[requirements.length - 1]!);
  }

  /**
   * Starts reading a dependency's versions before the walk reaches it, so the index files of a
   * package's dependencies are fetched at once rather than one round trip after another. A
   * failure stays in the remembered answer for `pick` to report.
   */
  prefetch(req: Requirement): void {
    const { source, name } = req;
    const reading = (source === null ? this.#input.source.defaultSource() : Promise.resolve(source)).then(
      async (resolved) => {
        const latest = await this.latest(resolved, name);
        if (latest === null || !decides(latest, [req])) await this.versions(resolved, name);
      },
    );
    reading.catch(() => undefined);
  }

  latest(source: string, name: string): Promise<Candidate<Origin> | null> {
    const key = `${source}\u0000${name}`;
    let found = this.#latest.get(key);
    if (found === undefined) {
      found = this.#input.source.latest?.(source, name) ?? Promise.resolve(null);
      this.#latest.set(key, found);
    }
    return found;
  }

  versions(source: string, name: string): Promise<Candidate<Origin>[]> {
    const key = `${source}\u0000${name}`;
    let found = this.#versions.get(key);
    if (found === undefined) {
      found = this.#input.source.versions(source, name);
      this.#versions.set(key, found);
    }
    return found;
  }
}

/** Higher precedence first; with no range at all, releases before pre-releases (the index's "latest"). */
function rank(a: Candidate, b: Candidate, releasesFirst: boolean): number {
  if (releasesFirst) {
    const aRelease = semver.prerelease(a.version) === null;
    const bRelease = semver.prerelease(b.version) === null;
    if (aRelease !== bRelease) return aRelease ? 1 : -1;
  }
  return compareVersions(a.version, b.version);
}

/**
 * Whether the latest version is the pick for these requirements without looking at the others:
 * the highest non-yanked version satisfying them all is then the latest itself, unless a range
 * asks for pre-releases (which may rank above the latest release) or the latest is yanked (every
 * version is, and only an exact pin may take one).
 */
function decides(latest: Candidate, requirements: readonly Requirement[]): boolean {
  return !latest.yanked && requirements.every((req) => accepts(latest, req) && !namesPrerelease(req.range));
}

/**
 * A range with a pre-release comparator (`^2.0.0-beta.1`): it matches pre-releases of that
 * version. Not the `<3.0.0-0` that semver writes as the upper end of `^2`, `~2.1`, `2.x` or `<3`:
 * every pre-release of 3.0.0 is at or above `3.0.0-0`, so that comparator admits none.
 */
function namesPrerelease(range: string | null): boolean {
  if (range === null) return false;
  const parsed = new semver.Range(range, { loose: false, includePrerelease: false });
  return parsed.set.some((set) =>
    set.some(({ operator, semver: bound }) => {
      if (!(bound instanceof semver.SemVer) || bound.prerelease.length === 0) return false;
      return !(operator === '<' && bound.prerelease.length === 1 && bound.prerelease[0] === 0);
    }),
  );
}

export function accepts(candidate: Candidate, req: Requirement): boolean {
  if (req.source !== null && candidate.source !== req.source) return false;
  return req.range === null || satisfies(candidate.version, req.range);
}

/** Whether some version could satisfy both, as far as their sources go (ranges are checked by pick). */
function compatible(a: Requirement, b: Requirement): boolean {
  if (a.source !== null && b.source !== null && a.source !== b.source) return false;
  if (a.range === null || b.range === null) return true;
  return semver.intersects(a.range, b.range, { loose: false, includePrerelease: false });
}

/** The version a range names exactly (`1.2.3`, `=1.2.3`), else null: only such a pin may pick a yanked version. */
export function exactPin(range: string | null): string | null {
  if (range === null) return null;
  const parsed = new semver.Range(range, { loose: false, includePrerelease: false });
  const [set] = parsed.set;
  if (parsed.set.length !== 1 || set?.length !== 1) return null;
  const [comparator] = set;
  // `*` is one comparator too, whose semver is the ANY symbol rather than a version.
  if (comparator === undefined || comparator.operator !== '' || !(comparator.semver instanceof semver.SemVer))
    return null;
  return comparator.semver.version;
}

function sameRequirement(a: Requirement, b: Requirement): boolean {
  return (
    a.name === b.name &&
    a.range === b.range &&
    a.source === b.source &&
    a.by === b.by &&
    a.chain.join('\u0000') === b.chain.join('\u0000')
  );
}

/** `skills.json → release-checklist@2.0.1 → conventional-commits@^1.0.0` */
export function describe(req: Requirement): string {
  return [...req.chain, `${req.name}@${req.range ?? '*'}`].join(' → ');
}

function conflictError(name: string, held: Requirement, rejected: Requirement): SkillsError {
  const sources =
    held.source !== null && rejected.source !== null && held.source !== rejected.source
      ? ` (from ${held.source} and from ${rejected.source})`
      : '';
  return new SkillsError(
    'RESOLVE_CONFLICT',
    `no single version of ${name} satisfies both ${describe(held)} and ${describe(rejected)}${sources}`,
    {
      hint: `a scope holds one version of each skill: change one of the two ranges, or update the skill that asks for the other (\`skills update\`)`,
    },
  );
}

function versionNotFound(name: string, req: Requirement, all: readonly Candidate[]): SkillsError {
  const yankedOnly = all.some((candidate) => candidate.yanked && accepts(candidate, req));
  const listed = [...all]
    .sort((a, b) => compareVersions(a.version, b.version))
    .map((candidate) => `${candidate.version}${candidate.yanked ? ' (yanked)' : ''}`)
    .join(', ');
  return new SkillsError(
    'VERSION_NOT_FOUND',
    `no ${yankedOnly ? 'version that is not yanked' : 'version'} of ${name} satisfies ${describe(req)}; it has ${listed}`,
    {
      hint: yankedOnly
        ? `a yanked version installs only when pinned exactly, e.g. ${name}@${all.find((c) => c.yanked && accepts(c, req))!.version}`
        : `see the versions with \`skills info ${name}\`, and ask for one of them`,
    },
  );
}

/** A dependency cycle among the chosen versions is an error: a skill cannot need itself. */
function checkCycles(chosen: Resolution): void {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): void => {
    const skill = chosen.get(name);
    if (skill === undefined || state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const loop = [...path.slice(path.indexOf(name)), name].map((one) => {
        const candidate = chosen.get(one)!.candidate;
        return `${candidate.name}@${candidate.version}`;
      });
      throw new SkillsError(
        'RESOLVE_CYCLE',
        `these skills depend on each other in a cycle: ${loop.join(' → ')}`,
        {
          hint: 'a skill cannot (indirectly) depend on itself: tell the publishers of these skills',
        },
      );
    }
    state.set(name, 'open');
    path.push(name);
    for (const dep of Object.keys(skill.candidate.deps).sort()) visit(dep);
    path.pop();
    state.set(name, 'done');
  };
  for (const name of [...chosen.keys()].sort()) visit(name);
}
