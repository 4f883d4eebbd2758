import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644); 0o600 for secrets. */
  mode?: number;
  /** fsync the file before the rename (default true): a crash leaves the old bytes or the new. */
  sync?: boolean;
}

/**
 * Writes `bytes` to `file` so that readers see the old contents or the new, never a mix: a
 * temporary sibling is written (created with `mode`, so a secret is never world-readable even for
 * a moment), synced, then renamed over the file. The folder is created when missing.
 *
 * The system calls are synchronous: each write is awaited before the command's next step anyway,
 * and the asynchronous calls cost a thread-pool round trip apiece — six per file, a few ms of
 * every install. The largest file, a 100k-skill catalog (~73 MiB), is no slower in one blocking
 * write: nothing else of a sync runs meanwhile.
 */
export async function writeFileAtomic(
  file: string,
  bytes: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', options.mode ?? 0o644);
  try {
    try {
      writeFileSync(fd, bytes);
      if (options.sync ?? true) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** `JSON.stringify` with 2-space indent and a final newline, written atomically. */
export async function writeJsonAtomic(
  file: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, options);
}
