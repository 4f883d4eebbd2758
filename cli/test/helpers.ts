import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach } from 'vitest';
import { getCli } from '../src/index.js';
import type { SkillsCli } from '../src/cli.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stream that remembers what was written; `tty` makes it claim to be a terminal. */
export function capture(tty = false): PassThrough & { text(): string } {
  const stream = new PassThrough() as PassThrough & { text(): string; isTTY?: boolean };
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  if (tty) stream.isTTY = true;
  stream.text = () => Buffer.concat(chunks).toString('utf8');
  return stream;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  tty?: boolean;
  cli?: SkillsCli;
  /**
   * What the command reads on stdin (`--password-stdin`): a string, or a stream (a fake terminal).
   * Default: an empty, ended stream, so no test ever reads the test runner's own stdin.
   */
  stdin?: string | Readable;
}

/** Runs `skills <argv>` in-process, the way the binary would, with captured output. */
export async function run(argv: string[], options: RunOptions): Promise<CliResult> {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty);
  const cli = options.cli ?? getCli();
  const stdin =
    options.stdin === undefined || typeof options.stdin === 'string'
      ? Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)])
      : options.stdin;
  const code = await cli.run(argv, {
    cwd: options.cwd,
    env: options.env ?? { NO_COLOR: '1' },
    stdin,
    stdout,
    stderr,
  });
  // PassThrough emits 'data' asynchronously; let it drain before reading.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** The one JSON object a `--json` run must print, failing when stdout holds anything else. */
export function onlyJson(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').filter((line) => line !== '');
  if (lines.length !== 1) throw new Error(`expected exactly one line of JSON on stdout, got:\n${stdout}`);
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

const temps: string[] = [];

/** A fresh temporary folder, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skills-cli-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * Writes a valid skill package into `<root>/<name>`; `files` adds or replaces files by relative
 * path, and `null` leaves a file out.
 */
export async function writeSkill(
  root: string,
  name = 'demo-skill',
  files: Record<string, string | null> = {},
): Promise<string> {
  const dir = path.join(root, name);
  const all: Record<string, string | null> = {
    'SKILL.md': `---\nname: ${name}\ndescription: Demonstrates a skill package for the tests of the skills CLI.\n---\n\n# ${name}\n\nFollow these steps.\n`,
    'skill.yaml': `name: ${name}\nversion: 1.2.3\nlicense: MIT\nkeywords: [demo]\n`,
    'docs/README.md': `# ${name}\n\nHow to use it.\n`,
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    if (text === null) continue;
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

/**
 * A stdin that claims to be a terminal and types `lines` (each followed by Enter) as the command
 * reads: what a person at a prompt does. `rawModes` records every setRawMode call.
 */
export function fakeTerminal(
  lines: string[],
): Readable & { isTTY: true; rawModes: boolean[]; setRawMode(mode: boolean): void } {
  const stream = new PassThrough() as unknown as Readable & {
    isTTY: true;
    rawModes: boolean[];
    setRawMode(mode: boolean): void;
  };
  stream.isTTY = true;
  stream.rawModes = [];
  const queue = [...lines];
  stream.setRawMode = (mode: boolean) => {
    stream.rawModes.push(mode);
  };
  // Type the next line each time the command starts listening for input.
  stream.on('newListener', (event) => {
    if (event !== 'data' && event !== 'readable') return;
    const next = queue.shift();
    if (next !== undefined) setImmediate(() => (stream as unknown as PassThrough).write(`${next}\r`));
  });
  return stream;
}
