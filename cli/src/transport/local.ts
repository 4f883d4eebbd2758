import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { printable, SkillsError } from '@skills/schema';
import type { GetOptions, GetResult, IndexTransport } from './types.js';

/**
 * An index in a folder on disk (a clone, a mirror, the registry's own data dir), read directly.
 * Index paths are checked before they touch the file system, and the file is opened without
 * following a symlink at its last segment, so a hostile tree cannot point a read outside itself.
 */
export class LocalTransport implements IndexTransport {
  readonly kind = 'local' as const;
  readonly where: string;

  constructor(private readonly root: string) {
    this.where = root;
  }

  async get(indexPath: string, options: GetOptions): Promise<GetResult> {
    const file = resolveInside(this.root, indexPath);
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'not-found' };
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) return { status: 'not-found' };
      const start = options.range?.start ?? 0;
      const last = options.range?.end ?? info.size - 1;
      const length = Math.max(0, Math.min(last, info.size - 1) - start + 1);
      if (length > options.maxBytes) {
        throw new SkillsError('RESPONSE_TOO_LARGE', `${file} is larger than ${options.maxBytes} bytes`, {
          hint: 'the index holds a file larger than skills accepts: tell its operator',
        });
      }
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await handle.read(bytes, 0, length, start);
      const read = bytes.subarray(0, bytesRead);
      const etag = `"${createHash('sha256').update(read).digest('hex')}"`;
      if (options.etag === etag && options.range === undefined) return { status: 'not-modified' };
      return { status: 'ok', bytes: read, etag, start };
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}
}

/** An index path as a file under `root`: relative, `/`-separated, no `.`/`..`/empty segments. */
export function resolveInside(root: string, indexPath: string): string {
  const segments = indexPath.split('/');
  if (
    indexPath.startsWith('/') ||
    indexPath.includes('\\') ||
    indexPath.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new SkillsError('INTERNAL', `refusing the index path "${printable(indexPath)}"`);
  }
  return path.join(root, ...segments);
}
