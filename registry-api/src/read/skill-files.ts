import { inspect, type ArchiveContents } from '@skills/schema/archive';
import { readBlob } from '../blobs.js';
import type { RegistryContext } from '../context.js';

/** Inspected archives kept in memory, with their small files. */
const CACHED_ARCHIVES = 16;
/** Files up to this size are served; a skill's large assets are in its tarball. */
export const SERVED_FILE_BYTES = 1024 * 1024;

/**
 * Files of published archives, for `/.well-known/agent-skills/:name/*`. An archive is read from
 * the blob store (its digest checked on the way) and inspected in memory, never extracted; the
 * result is cached by sha256 (a blob never changes). Every file of at most 1 MiB is served, so
 * a discovery client (Vercel's `skills` reads every path in `files`) can fetch the whole skill.
 */
export class SkillFiles {
  readonly #ctx: RegistryContext;
  readonly #archives = new Map<string, Promise<ArchiveContents>>();

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  async archive(sha256: string): Promise<ArchiveContents> {
    let contents = this.#archives.get(sha256);
    if (contents === undefined) {
      contents = readBlob(this.#ctx.paths.blobs, sha256).then((bytes) =>
        inspect(bytes, this.#ctx.config.archiveLimits, { keep: (file) => file.size <= SERVED_FILE_BYTES }),
      );
      contents.catch(() => this.#archives.delete(sha256));
    } else {
      this.#archives.delete(sha256); // re-inserted below: most recently used last
    }
    this.#archives.set(sha256, contents);
    for (const oldest of this.#archives.keys()) {
      if (this.#archives.size <= CACHED_ARCHIVES) break;
      this.#archives.delete(oldest);
    }
    return contents;
  }
}

/** A safe Content-Type for a served file: Markdown as such, everything else as plain text. */
export function contentTypeOf(path: string): string {
  return /\.(md|markdown)$/i.test(path) ? 'text/markdown; charset=utf-8' : 'text/plain; charset=utf-8';
}
