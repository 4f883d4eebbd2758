import { foldPath, showPath } from './paths.js';
import { refusal } from './refusal.js';

interface Seen {
  path: string;
  directory: boolean;
  /** False for a folder only implied by a deeper path; its own entry may still come. */
  explicit: boolean;
}

/**
 * Remembers every path of one archive, and the folders they imply, by folded key: two paths
 * that differ only in case or Unicode normalisation would be one file on macOS or Windows, and a
 * path under a file could never be created.
 */
export class PathTable {
  readonly #seen = new Map<string, Seen>();

  /** Records one entry's path (a directory's without its trailing slash) or throws the refusal. */
  add(path: string, directory: boolean): void {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const parent = segments.slice(0, depth).join('/');
      const seen = this.#seen.get(foldPath(parent));
      if (seen === undefined) {
        this.#seen.set(foldPath(parent), { path: parent, directory: true, explicit: false });
      } else if (!seen.directory) {
        throw refusal(
          'ARCHIVE_PATH_CONFLICT',
          `${showPath(path)} lies under the file ${showPath(seen.path)}`,
        );
      } else if (seen.path !== parent) {
        throw duplicate(parent, seen, true);
      }
    }
    const key = foldPath(path);
    const seen = this.#seen.get(key);
    if (seen !== undefined && (seen.explicit || !directory || seen.path !== path)) {
      throw duplicate(path, seen, directory);
    }
    this.#seen.set(key, { path, directory, explicit: true });
  }
}

function duplicate(path: string, earlier: Seen, directory: boolean) {
  let how = `collides with ${showPath(earlier.path)}`;
  if (earlier.directory !== directory) how = `is both a file and a folder (${showPath(earlier.path)})`;
  else if (earlier.path === path) how = 'appears twice';
  return refusal('ARCHIVE_PATH_DUPLICATE', `${showPath(path)} ${how}`);
}
