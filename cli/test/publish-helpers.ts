import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import { onlyJson, run, type CliResult, type RunOptions } from './helpers.js';
import type { TestRegistryServer } from './registry-server.js';

export const PASSWORD = 'correct horse battery staple';

/** run()'s options; `env` replaces the person's environment (start from `person.env`). */
export type PersonRunOptions = Omit<RunOptions, 'cwd'> & { cwd?: string };

/** A person with a temporary HOME and SKILLS_HOME who added the test registry as "local". */
export interface Person {
  root: string;
  env: Record<string, string>;
  username: string;
  /** Every output this person's commands printed, to check that no secret was ever shown. */
  outputs: string[];
  skills(argv: string[], options?: PersonRunOptions): Promise<CliResult>;
  json(argv: string[], options?: PersonRunOptions): Promise<Record<string, unknown>>;
}

const lasting: string[] = [];

/** A temporary folder kept until the test file ends (a person made in beforeAll outlives one test). */
async function lastingDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skills-cli-person-'));
  lasting.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(lasting.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function person(registry: TestRegistryServer, username: string): Promise<Person> {
  const root = await lastingDir();
  const env = { NO_COLOR: '1', HOME: root, SKILLS_HOME: path.join(root, '.skills') };
  const outputs: string[] = [];
  const skills: Person['skills'] = async (argv, options = {}) => {
    const result = await run(argv, { cwd: root, env, ...options });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const json: Person['json'] = async (argv, options = {}) =>
    onlyJson((await skills([...argv, '--json'], options)).stdout);
  const added = await skills(['registry', 'add', 'local', registry.url]);
  expect(added.code, added.stderr).toBe(0);
  return { root, env, username, outputs, skills, json };
}

/** A person who signed up (and so logged in) with PASSWORD. */
export async function signedUp(registry: TestRegistryServer, username: string): Promise<Person> {
  const someone = await person(registry, username);
  const result = await someone.skills(
    ['signup', '-u', username, '--email', `${username}@example.org`, '--password-stdin'],
    { stdin: `${PASSWORD}\n` },
  );
  expect(result.code, result.stderr).toBe(0);
  return someone;
}

/** A signed-up person with a registered key (no passphrase). */
export async function publisher(registry: TestRegistryServer, username: string): Promise<Person> {
  const someone = await signedUp(registry, username);
  expect((await someone.skills(['keys', 'generate', '--name', username])).code).toBe(0);
  const registered = await someone.skills(['keys', 'register', '--password-stdin'], { stdin: PASSWORD });
  expect(registered.code, registered.stderr).toBe(0);
  return someone;
}

/** Every file under `dir` with its text, for checking that a secret was written nowhere. */
export async function filesUnder(dir: string): Promise<Array<{ file: string; text: string }>> {
  const found: Array<{ file: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    found.push({ file, text: await readFile(file, 'latin1') });
  }
  return found;
}

export function errorOf(result: CliResult): {
  code: string;
  message: string;
  hint: string | null;
  registry_code?: string;
} {
  const json = onlyJson(result.stdout);
  expect(json['ok']).toBe(false);
  return json['error'] as { code: string; message: string; hint: string | null; registry_code?: string };
}

/** Rate limits high enough for a test file's many sign-ups, logins and publishes from one address. */
export const GENEROUS_LIMITS = JSON.stringify(
  Object.fromEntries(
    ['authAttempt', 'signup', 'failedLogin', 'newName', 'newVersion', 'yank'].map((name) => [
      name,
      { burst: 10_000, perMinute: 10_000 },
    ]),
  ),
);
