import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract, pack } from '@skills/schema/archive';
import { loadConfig } from '../src/config.js';
import { publishExamples } from '../src/demo.js';
import type { DiscoverySkill } from '../src/read/discovery.js';
import { startServer, type RunningRegistry } from '../src/server.js';

/**
 * Acceptance: Vercel's `skills` CLI (1.5.18, the newest that runs on Node 20) installs our skills
 * with `skills add <registry URL>`, reading the discovery index of DESIGN §5. Its npm package is
 * also called `skills`, so it lives in a nested package (test/vercel-skills, installed by the root
 * `prepare` script) and is run by absolute path; ours keeps the root `skills` bin.
 */

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const TOOL_DIR = fileURLToPath(new URL('./vercel-skills/', import.meta.url));
const VERCEL_CLI = path.join(TOOL_DIR, 'node_modules/skills/bin/cli.mjs');
const LOOPBACK_ONLY = path.join(TOOL_DIR, 'loopback-only.mjs');
const VERSION = '1.5.18';

let work: string;
let dataDir: string;
let registry: RunningRegistry;
/** The discovery index entries, by name: what the registry served and the CLI installed from. */
let discovered: Map<string, DiscoverySkill>;
/** name → (path → sha256) of the published tarball's files. */
const published = new Map<string, Record<string, string>>();

interface Run {
  status: number | null;
  output: string;
  /** Non-loopback URLs the CLI tried to fetch (refused). */
  blocked: string[];
}

/**
 * Runs Vercel's CLI without a terminal, in a scrubbed environment: HOME, XDG dirs and every agent
 * dir under `home`, telemetry off, no inherited agent-detection variables; killed after 90 s so
 * a prompt can never hang the suite.
 */
async function vercelSkills(args: string[], cwd: string, home: string): Promise<Run> {
  const blockedLog = path.join(home, 'blocked.log');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_STATE_HOME: path.join(home, '.local/state'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    TMPDIR: path.join(home, 'tmp'),
    DISABLE_TELEMETRY: '1',
    DO_NOT_TRACK: '1',
    NO_COLOR: '1',
    NODE_DISABLE_COMPILE_CACHE: '1',
    SKILLS_TEST_BLOCKED_LOG: blockedLog,
  };
  await mkdir(env.TMPDIR!, { recursive: true });
  const child = spawn(process.execPath, ['--import', LOOPBACK_ONLY, VERCEL_CLI, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  const blocked = existsSync(blockedLog)
    ? (await readFile(blockedLog, 'utf8')).split('\n').filter((line) => line !== '')
    : [];
  return { status, output, blocked };
}

/** path → sha256 of every regular file under `dir`, following no links. */
async function filesUnder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (sub: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, sub), { withFileTypes: true })) {
      const relative = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) await walk(relative);
      else if (entry.isFile()) files[relative] = sha256(await readFile(path.join(dir, relative)));
      else throw new Error(`${relative} under ${dir} is neither a file nor a folder`);
    }
  };
  await walk('');
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

beforeAll(async () => {
  if (!existsSync(VERCEL_CLI)) {
    throw new Error(
      `Vercel's skills CLI is not installed at ${VERCEL_CLI}: run \`npm ci\` at the repository root (its prepare script runs \`npm run install:test-tools\`)`,
    );
  }
  const installed = JSON.parse(
    await readFile(path.join(TOOL_DIR, 'node_modules/skills/package.json'), 'utf8'),
  ) as { version: string };
  expect(installed.version).toBe(VERSION);

  work = await mkdtemp(path.join(tmpdir(), 'skills-vercel-'));
  dataDir = path.join(work, 'registry');
  const config = await loadConfig({ env: { SKILLS_DATA_DIR: dataDir }, port: 0 });
  registry = await startServer(config, { logger: pino({ level: 'silent' }), workerPollMs: 200 });
  const demo = await publishExamples(registry, EXAMPLES);
  expect(demo.published).toHaveLength(8);

  const index = (await (await fetch(`${registry.url}/.well-known/agent-skills/index.json`)).json()) as {
    skills: DiscoverySkill[];
  };
  discovered = new Map(index.skills.map((skill) => [skill.name, skill]));
  expect([...discovered.keys()].sort()).toEqual(demo.published.map((id) => id.split('@')[0]).sort());

  // What we published: each example packed as the demo publisher did, and that the registry serves
  // under the discovery URL with the discovery digest; its files, extracted by our own extractor.
  for (const [name, skill] of discovered) {
    const packed = await pack(path.join(EXAMPLES, name));
    const served = Buffer.from(await (await fetch(skill.url)).arrayBuffer());
    expect(sha256(served)).toBe(packed.sha256);
    expect(skill.digest).toBe(`sha256:${packed.sha256}`);
    const dest = path.join(work, 'published', name);
    await extract(served, dest);
    published.set(name, await filesUnder(dest));
  }
}, 180_000);

afterAll(async () => {
  await registry?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe(`Vercel's skills CLI ${VERSION} against our registry`, () => {
  it('installs every published skill into a project for two agents, byte for byte', async () => {
    const project = path.join(work, 'project');
    const home = path.join(work, 'home-project');
    await mkdir(project, { recursive: true });
    await mkdir(home, { recursive: true });

    const run = await vercelSkills(
      ['add', registry.url, '--skill', '*', '--agent', 'claude-code', 'codex', '--yes'],
      project,
      home,
    );
    expect(run.status, run.output).toBe(0);
    expect(run.blocked).toEqual([]);

    // Codex reads the universal .agents/skills, where the CLI writes each skill once; Claude Code
    // gets a symlink to it in .claude/skills.
    for (const [name, files] of published) {
      const canonical = path.join(project, '.agents/skills', name);
      expect(await filesUnder(canonical), name).toEqual(files);
      const link = path.join(project, '.claude/skills', name);
      expect((await lstat(link)).isSymbolicLink(), link).toBe(true);
      expect(await realpath(link)).toBe(await realpath(canonical));
    }
    expect((await readdir(path.join(project, '.agents/skills'))).sort()).toEqual(
      [...published.keys()].sort(),
    );
    // A project install leaves HOME alone, apart from the CLI's own state.
    expect(existsSync(path.join(home, '.agents/skills'))).toBe(false);
    expect(existsSync(path.join(home, '.claude/skills'))).toBe(false);
  }, 120_000);

  it('installs one named skill globally into the home folder', async () => {
    const project = path.join(work, 'elsewhere');
    const home = path.join(work, 'home-global');
    await mkdir(project, { recursive: true });
    await mkdir(home, { recursive: true });

    const run = await vercelSkills(
      ['add', registry.url, '--skill', 'sql-review', '--agent', 'claude-code', '--global', '--yes'],
      project,
      home,
    );
    expect(run.status, run.output).toBe(0);
    expect(run.blocked).toEqual([]);

    // One agent: the CLI copies the files straight into Claude Code's global skills folder.
    const installed = path.join(home, '.claude/skills/sql-review');
    expect(await filesUnder(installed)).toEqual(published.get('sql-review'));
    expect(await readdir(path.join(home, '.claude/skills'))).toEqual(['sql-review']);
    expect(await readdir(project)).toEqual([]);
  }, 120_000);
});
