import type { Queryable } from '../db/database.js';

// Each query is a small named function with its SQL in plain sight (STYLE: graphile/worker).

export async function markYanked(
  q: Queryable,
  versionId: number,
  yanked: boolean,
  reason: string | null,
): Promise<void> {
  await q.query('UPDATE versions SET yanked = $2, yank_reason = $3 WHERE id = $1', [
    versionId,
    yanked,
    reason,
  ]);
}

export async function markPurged(
  q: Queryable,
  versionId: number,
  at: Date,
  reason: string | null,
): Promise<void> {
  await q.query('UPDATE versions SET purged_at = $2, purge_reason = $3 WHERE id = $1', [
    versionId,
    at,
    reason,
  ]);
}

/** The other versions a dependent could resolve to instead: not purged, not yanked. */
export async function resolvableVersions(q: Queryable, skillId: number, except: string): Promise<string[]> {
  const { rows } = await q.query<{ version: string }>(
    `SELECT version FROM versions
     WHERE skill_id = $1 AND version <> $2 AND purged_at IS NULL AND NOT yanked`,
    [skillId, except],
  );
  return rows.map((row) => row.version);
}

export interface Dependency {
  name: string;
  version: string;
  range: string;
}

/** Versions of other skills, not purged (yanked ones too: a lock file still installs them), naming `name`. */
export async function versionsDependingOn(
  q: Queryable,
  skillId: number,
  name: string,
): Promise<Dependency[]> {
  const { rows } = await q.query<Dependency>(
    `SELECT s.name, v.version, v.deps ->> $2 AS range
     FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE v.skill_id <> $1 AND v.purged_at IS NULL AND v.deps ->> $2 IS NOT NULL
     ORDER BY s.name, v.id`,
    [skillId, name],
  );
  return rows;
}

export async function ownerNames(q: Queryable, skillId: number): Promise<string[]> {
  const { rows } = await q.query<{ username: string }>(
    `SELECT u.username FROM owners o JOIN users u ON u.id = o.user_id
     WHERE o.skill_id = $1 ORDER BY u.username`,
    [skillId],
  );
  return rows.map((row) => row.username);
}

export async function countOwners(q: Queryable, skillId: number): Promise<number> {
  const { rows } = await q.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM owners WHERE skill_id = $1',
    [skillId],
  );
  return rows[0]?.count ?? 0;
}

export async function removeOwner(q: Queryable, skillId: number, userId: number): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM owners WHERE skill_id = $1 AND user_id = $2', [
    skillId,
    userId,
  ]);
  return rowCount === 1;
}
