import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SkillsError, type ErrorCode } from '@skills/schema';

/** One thing wrong with the index, at one path relative to the index root. */
export interface VerifyProblem {
  code: ErrorCode;
  /** The index path the problem is in (`feed/e1/00000000.ndjson`, `co/de/code-review`, `.git`, …). */
  path: string;
  message: string;
  /** For feed problems: the first feed line that is wrong. */
  seq?: number;
}

/** Where the checks put what they find; order is the order found. */
export class Problems {
  readonly list: VerifyProblem[] = [];

  add(code: ErrorCode, file: string, message: string, seq?: number): void {
    this.list.push(seq === undefined ? { code, path: file, message } : { code, path: file, message, seq });
  }
}

export type EntryKind = 'file' | 'symlink' | 'other';

/**
 * The served work tree: every entry outside the top-level `.git`, by index path (`/`-separated),
 * never following links. Reads go through `read`, which turns a missing file into null and any
 * other read failure into an IO problem, so no check throws for what it finds on disk.
 */
export class WorkTree {
  private constructor(
    readonly dir: string,
    /** Every non-directory entry, sorted by path. */
    readonly entries: ReadonlyMap<string, EntryKind>,
    private readonly problems: Problems,
  ) {}

  static async open(dir: string, problems: Problems): Promise<WorkTree> {
    const entries = new Map<string, EntryKind>();
    const walk = async (folder: string, prefix: string): Promise<void> => {
      let found: Dirent[];
      try {
        found = await readdir(folder, { withFileTypes: true });
      } catch (error) {
        if (prefix === '') {
          throw new SkillsError('IO', `cannot list the index at ${dir}: ${(error as Error).message}`, {
            cause: error,
          });
        }
        problems.add('IO', prefix.slice(0, -1), `cannot be listed: ${(error as Error).message}`);
        return;
      }
      for (const entry of found.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const file = prefix + entry.name;
        if (file === '.git') continue;
        if (entry.isDirectory()) await walk(path.join(folder, entry.name), `${file}/`);
        else entries.set(file, entry.isFile() ? 'file' : entry.isSymbolicLink() ? 'symlink' : 'other');
      }
    };
    await walk(dir, '');
    for (const [file, kind] of entries) {
      if (kind === 'symlink') {
        problems.add(
          'INDEX_TREE_INVALID',
          file,
          'is a symbolic link: the index tree holds only regular files',
        );
      } else if (kind === 'other') {
        problems.add('INDEX_TREE_INVALID', file, 'is not a regular file (a fifo, socket or device)');
      }
    }
    return new WorkTree(dir, entries, problems);
  }

  /** Regular files whose path starts with `prefix`. */
  files(prefix = ''): string[] {
    return [...this.entries]
      .filter(([file, kind]) => kind === 'file' && file.startsWith(prefix))
      .map(([f]) => f);
  }

  has(file: string): boolean {
    return this.entries.get(file) === 'file';
  }

  /** A regular file's bytes; null when there is none at that path (a link is not followed). */
  async read(file: string): Promise<Buffer | null> {
    if (!this.has(file)) return null;
    try {
      return await readFile(path.join(this.dir, ...file.split('/')));
    } catch (error) {
      this.problems.add('IO', file, `cannot be read: ${(error as Error).message}`);
      return null;
    }
  }
}
