import fs from 'node:fs/promises';
import path from 'node:path';
import ignore from 'ignore';
import { ioError } from './io-error.js';
import { showPath } from './paths.js';
import { refusal } from './refusal.js';

/** Always packed, whatever `files` or `.skillsignore` say: an archive without them is refused. */
export const REQUIRED_FILES: readonly string[] = ['SKILL.md', 'skill.yaml'];

/**
 * Never packed. `.skills` is an install folder, `.skills-ok` the marker of an installed copy and
 * a root `*.tgz` most likely an earlier `skills pack` output; a `.tgz` deeper down is an asset.
 */
export const DEFAULT_IGNORES: readonly string[] = [
  '.git',
  'node_modules',
  '.DS_Store',
  '.skills',
  '.skills-ok',
  '/*.tgz',
];

export const IGNORE_FILE = '.skillsignore';

/**
 * The package-relative paths of the files `pack` takes from `root`, unsorted: those the `files`
 * allowlist matches (all when absent) plus SKILL.md and skill.yaml, minus `.skillsignore` and the
 * default ignores. Ignored folders are not even read. A link or special file that is selected is
 * refused rather than followed; one that is ignored does not matter.
 */
export async function selectFiles(root: string, allowlist?: readonly string[]): Promise<string[]> {
  const ignored = ignore()
    .add([...DEFAULT_IGNORES])
    .add(await readIgnoreFile(root));
  const allowed = allowlist === undefined ? undefined : ignore().add([...allowlist]);
  const selected: string[] = [];
  await walk(root, '', ignored, allowed, selected);
  return selected;
}

async function walk(
  root: string,
  folder: string,
  ignored: ignore.Ignore,
  allowed: ignore.Ignore | undefined,
  selected: string[],
): Promise<void> {
  const absolute = path.join(root, folder);
  const entries = await fs.readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
    throw ioError(error, `cannot read the folder ${absolute}`);
  });
  for (const entry of entries) {
    const relative = folder === '' ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!ignored.ignores(`${relative}/`)) await walk(root, relative, ignored, allowed, selected);
      continue;
    }
    const required = folder === '' && REQUIRED_FILES.includes(entry.name);
    if (!required && (ignored.ignores(relative) || (allowed !== undefined && !allowed.ignores(relative)))) {
      continue;
    }
    if (entry.isSymbolicLink()) {
      throw refusal(
        'ARCHIVE_LINK',
        `${showPath(relative)} is a symbolic link`,
        'Replace the link with a copy of the file, or leave it out with .skillsignore.',
      );
    }
    if (!entry.isFile()) {
      throw refusal(
        'ARCHIVE_ENTRY_TYPE',
        `${showPath(relative)} is not a regular file or folder`,
        'Remove it from the package folder, or leave it out with .skillsignore.',
      );
    }
    selected.push(relative);
  }
}

/** `.skillsignore` at the package root, in gitignore syntax; only a regular file is read. */
async function readIgnoreFile(root: string): Promise<string> {
  const file = path.join(root, IGNORE_FILE);
  try {
    const stat = await fs.lstat(file);
    return stat.isFile() ? await fs.readFile(file, 'utf8') : '';
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return '';
    throw ioError(error, `cannot read ${file}`);
  }
}
