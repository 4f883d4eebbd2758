import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs a document's ```sh blocks as a reader would, with the built `skills` on PATH, so a guide
 * cannot say what the CLI does not do (docs/GETTING_STARTED.md, docs/PUBLISHING_GUIDE.md).
 */
const cliRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DOCS = path.join(cliRoot, '..', 'docs');
/** The registry URL the guides are written with; tests put the test registry's URL in its place. */
export const EXAMPLE_REGISTRY = 'https://skills.example.com';

/** Builds the bundle when a test runs before `npm run build` did. */
export function ensureBuilt(): void {
  if (!existsSync(path.join(cliRoot, 'dist', 'skills.cjs')))
    execFileSync(process.execPath, [path.join(cliRoot, 'build.mjs')], { stdio: 'inherit' });
}

/** The ```sh blocks of a markdown text, in order. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
}

export interface Reader {
  /** The folder the blocks run in. */
  work: string;
  env: Record<string, string>;
  run(script: string): Promise<{ code: number; stdout: string; stderr: string }>;
}

/**
 * A reader's machine under `root`: a `bin/skills` wrapper of the built CLI first on PATH, HOME and
 * SKILLS_HOME in `root`, no colours, and `extraEnv` (passwords the guide pipes in).
 */
export async function reader(root: string, extraEnv: Record<string, string> = {}): Promise<Reader> {
  const bin = path.join(root, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(
    path.join(bin, 'skills'),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(cliRoot, 'bin', 'skills.js')}" "$@"\n`,
    { mode: 0o755 },
  );
  const work = path.join(root, 'work');
  await mkdir(work, { recursive: true });
  const env = {
    PATH: `${bin}:${process.env['PATH'] ?? ''}`,
    HOME: root,
    SKILLS_HOME: path.join(root, '.skills'),
    NO_COLOR: '1',
    ...extraEnv,
  };
  return { work, env, run: (script) => bash(script, work, env) };
}

function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
      { cwd, env },
      (error, stdout, stderr) => {
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
          stdout,
          stderr,
        });
      },
    );
  });
}
