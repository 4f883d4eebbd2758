import type { Queryable } from '../db/database.js';
import type { indexLineOf } from '../worker/index.js';

/**
 * The read side's SQL, each a small named function (graphile/worker style). Everything else the
 * read endpoints answer comes from the read model.
 */

/** The owners' usernames, sorted; null when no skill has this name. */
export async function ownersOf(q: Queryable, name: string): Promise<string[] | null> {
  const { rows } = await q.query<{ username: string | null }>(
    `SELECT u.username FROM skills s
       LEFT JOIN owners o ON o.skill_id = s.id
       LEFT JOIN users u ON u.id = o.user_id
     WHERE s.name = $1
     ORDER BY u.username`,
    [name],
  );
  if (rows.length === 0) return null;
  return rows.flatMap((row) => (row.username === null ? [] : [row.username]));
}

export async function skillExists(q: Queryable, name: string): Promise<boolean> {
  const { rowCount } = await q.query('SELECT 1 FROM skills WHERE name = $1', [name]);
  return rowCount > 0;
}

export type VersionRow = Parameters<typeof indexLineOf>[0];

/** A version that is not purged, with its index line fields; null when there is none. */
export async function liveVersion(q: Queryable, name: string, version: string): Promise<VersionRow | null> {
  const { rows } = await q.query<VersionRow>(
    `SELECT v.id, v.skill_id, s.name, v.version, v.sha256, v.size, v.signer, v.description,
            v.license, v.deps, v.keywords, v.published_at, v.yanked, v.yank_reason
     FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE s.name = $1 AND v.version = $2 AND v.purged_at IS NULL`,
    [name, version],
  );
  return rows[0] ?? null;
}

/** Rows per query when looking up many versions: keeps each statement's parameters small. */
const CHUNK = 5000;

/** The archive file lists of the given versions, keyed `name@version`. */
export async function fileLists(
  q: Queryable,
  versions: readonly { name: string; version: string }[],
): Promise<Map<string, string[]>> {
  const lists = new Map<string, string[]>();
  for (let at = 0; at < versions.length; at += CHUNK) {
    const chunk = versions.slice(at, at + CHUNK);
    const { rows } = await q.query<{ name: string; version: string; files: unknown }>(
      `SELECT s.name, v.version, v.files
       FROM unnest($1::text[], $2::text[]) AS l (name, version)
       JOIN skills s ON s.name = l.name
       JOIN versions v ON v.skill_id = s.id AND v.version = l.version`,
      [chunk.map((v) => v.name), chunk.map((v) => v.version)],
    );
    for (const row of rows) {
      const files = Array.isArray(row.files)
        ? row.files.filter((file): file is string => typeof file === 'string')
        : [];
      lists.set(`${row.name}@${row.version}`, files);
    }
  }
  return lists;
}

/** Index jobs not yet done: skills' and keys'. */
export async function pendingJobs(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ count: number }>(
    'SELECT ((SELECT count(*) FROM index_jobs) + (SELECT count(*) FROM index_key_jobs))::int AS count',
  );
  return rows[0]!.count;
}
