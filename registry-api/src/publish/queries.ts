import type { Database, Queryable } from '../db/database.js';

// Each query is a small named function with its SQL in plain sight (STYLE: graphile/worker).

export interface SkillRow {
  id: number;
  name: string;
}

export async function findSkill(q: Queryable, name: string): Promise<SkillRow | null> {
  const { rows } = await q.query<SkillRow>('SELECT id, name FROM skills WHERE name = $1', [name]);
  return rows[0] ?? null;
}

/** Locks the skill's row until the transaction ends: publishes and changes of one skill queue here. */
export async function lockSkill(q: Queryable, name: string): Promise<SkillRow | null> {
  const { rows } = await q.query<SkillRow>('SELECT id, name FROM skills WHERE name = $1 FOR UPDATE', [name]);
  return rows[0] ?? null;
}

/** Creates the skill; null when another transaction created it first (it committed meanwhile). */
export async function insertSkill(q: Queryable, name: string, skeleton: string): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(
    'INSERT INTO skills (name, skeleton) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id',
    [name, skeleton],
  );
  return rows[0]?.id ?? null;
}

/** The skill that first took this skeleton, if any. */
export async function skeletonHolder(q: Queryable, skeleton: string): Promise<number | null> {
  const { rows } = await q.query<{ skill_id: number }>('SELECT skill_id FROM skeletons WHERE skeleton = $1', [
    skeleton,
  ]);
  return rows[0]?.skill_id ?? null;
}

/** Records the first holder of a skeleton; false when one already exists. */
export async function claimSkeleton(q: Queryable, skeleton: string, skillId: number): Promise<boolean> {
  const { rowCount } = await q.query(
    'INSERT INTO skeletons (skeleton, skill_id) VALUES ($1, $2) ON CONFLICT (skeleton) DO NOTHING',
    [skeleton, skillId],
  );
  return rowCount === 1;
}

export async function isOwner(q: Queryable, skillId: number, userId: number): Promise<boolean> {
  const { rows } = await q.query('SELECT 1 FROM owners WHERE skill_id = $1 AND user_id = $2', [
    skillId,
    userId,
  ]);
  return rows.length > 0;
}

export async function addOwner(
  q: Queryable,
  skillId: number,
  userId: number,
  addedBy: number,
): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO owners (skill_id, user_id, added_by) VALUES ($1, $2, $3)
     ON CONFLICT (skill_id, user_id) DO NOTHING`,
    [skillId, userId, addedBy],
  );
  return rowCount === 1;
}

export interface VersionRow {
  id: number;
  skill_id: number;
  version: string;
  sha256: string;
  size: number;
  signer: string | null;
  description: string;
  license: string | null;
  deps: Record<string, string>;
  keywords: string[];
  published_at: Date;
  yanked: boolean;
  yank_reason: string | null;
  purged_at: Date | null;
  response: Record<string, unknown>;
}

const VERSION_COLUMNS = `id, skill_id, version, sha256, size, signer, description, license, deps, keywords,
  published_at, yanked, yank_reason, purged_at, response`;

export async function findVersion(
  q: Queryable,
  skillId: number,
  version: string,
): Promise<VersionRow | null> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM versions WHERE skill_id = $1 AND version = $2`,
    [skillId, version],
  );
  return rows[0] ? normaliseVersion(rows[0]) : null;
}

/** Same, locked until the transaction ends (yank, unyank, purge). */
export async function lockVersion(
  q: Queryable,
  skillId: number,
  version: string,
): Promise<VersionRow | null> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM versions WHERE skill_id = $1 AND version = $2 FOR UPDATE`,
    [skillId, version],
  );
  return rows[0] ? normaliseVersion(rows[0]) : null;
}

/** char(40) comes back as is; timestamps as Date on both drivers. */
function normaliseVersion(row: VersionRow): VersionRow {
  return {
    ...row,
    sha256: row.sha256.trim(),
    signer: row.signer === null ? null : row.signer.trim(),
    published_at: new Date(row.published_at),
    purged_at: row.purged_at === null ? null : new Date(row.purged_at),
  };
}

export interface NewVersion {
  skillId: number;
  version: string;
  sha256: string;
  size: number;
  signer: string;
  publisherId: number;
  description: string;
  license: string | null;
  deps: Record<string, string>;
  keywords: string[];
  files: string[];
  publishedAt: Date;
  response: Record<string, unknown>;
}

export async function insertVersion(q: Queryable, v: NewVersion): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO versions (skill_id, version, sha256, size, signer, publisher_id, description, license,
       deps, keywords, files, published_at, response)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::text[], $11::jsonb, $12, $13::jsonb)
     RETURNING id`,
    [
      v.skillId,
      v.version,
      v.sha256,
      v.size,
      v.signer,
      v.publisherId,
      v.description,
      v.license,
      JSON.stringify(v.deps),
      v.keywords,
      JSON.stringify(v.files),
      v.publishedAt,
      JSON.stringify(v.response),
    ],
  );
  return rows[0]!.id;
}

export async function insertKeywords(
  q: Queryable,
  versionId: number,
  keywords: readonly string[],
): Promise<void> {
  if (keywords.length === 0) return;
  await q.query(
    `INSERT INTO version_keywords (version_id, keyword)
     SELECT $1, keyword FROM unnest($2::text[]) AS keyword ON CONFLICT DO NOTHING`,
    [versionId, keywords],
  );
}

/** "This skill's index state may differ from the database": the worker re-derives it. */
export async function enqueueIndexJob(q: Queryable, skillId: number): Promise<void> {
  await q.query('INSERT INTO index_jobs (skill_id) VALUES ($1)', [skillId]);
}

/** Wakes the index worker; after COMMIT, so it finds the job. A lost wake-up only waits for its poll. */
export async function notifyIndexJobs(db: Database, name: string): Promise<void> {
  await db.query("SELECT pg_notify('index_jobs', $1)", [name]);
}
