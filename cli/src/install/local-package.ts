import { open } from 'node:fs/promises';
import { printable, SkillsError, UsageError, type SkillManifest } from '@skills/schema';
import { DEFAULT_LIMITS, pack } from '@skills/schema/archive';
import { checkPackage, displayPath } from '../package-check.js';
import type { Report } from '../report.js';
import { sha256Hex } from './download.js';
import { checkTarball } from './package-bytes.js';

/** A package given on the command line (or in skills.json) as a folder or a `.tgz`. */
export interface LocalPackage {
  kind: 'dir' | 'tarball';
  /** Absolute path of the folder or file. */
  path: string;
  /** The tarball: packed from the folder exactly as `skills pack` packs it, or the file's bytes. */
  bytes: Buffer;
  sha256: string;
  manifest: SkillManifest;
  files: Record<string, string>;
}

/**
 * What index.json records as a local package's registry: `file:` and its absolute path. (The
 * lock and skills.json record the path relative to the project, so a clone elsewhere works.)
 */
export function localSource(absolute: string): string {
  return `file:${absolute}`;
}

/**
 * Reads a local package. A folder is validated as `skills publish` would (a broken package is
 * refused with its issues) and packed; a `.tgz` must pass every archive rule and hold a valid
 * skill.yaml. Neither is signed: the user vouches for their own files.
 */
export async function readLocalPackage(
  report: Report,
  kind: 'dir' | 'tarball',
  absolute: string,
  cwd: string,
): Promise<LocalPackage> {
  const shown = displayPath(cwd, absolute);
  if (kind === 'dir') {
    const { manifest } = await checkPackage(report, absolute, shown);
    const packed = await pack(absolute, manifest.files === undefined ? {} : { files: manifest.files });
    const checked = await checkTarball(packed.bytes, shown);
    return {
      kind,
      path: absolute,
      bytes: packed.bytes,
      sha256: packed.sha256,
      manifest,
      files: checked.files,
    };
  }
  const bytes = await readCapped(absolute, shown);
  const checked = await checkTarball(bytes, shown);
  return {
    kind,
    path: absolute,
    bytes,
    sha256: sha256Hex(bytes),
    manifest: checked.manifest,
    files: checked.files,
  };
}

async function readCapped(file: string, shown: string): Promise<Buffer> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UsageError(`there is no file at ${printable(shown)}`, {
        hint: 'give the path of a .tgz made by `skills pack`, or a package folder',
      });
    }
    throw error;
  });
  try {
    const info = await handle.stat();
    if (!info.isFile())
      throw new UsageError(`${printable(shown)} is not a file`, { hint: 'give a .tgz file' });
    if (info.size > DEFAULT_LIMITS.compressedBytes) {
      throw new SkillsError(
        'ARCHIVE_TOO_LARGE',
        `${shown} is ${info.size} bytes; the limit is ${DEFAULT_LIMITS.compressedBytes}`,
        { hint: 'leave large files out of the package with .skillsignore or `files`' },
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
