import { AUDIT_COLUMNS, auditValues, type AuditEntry, type AuditSource } from '../auth/audit.js';
import type { Queryable } from '../db/database.js';
import { takeStatement, type Bucket } from '../rate-limit.js';

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

/** What a publish of name@version needs to know about the name, in one round trip. */
export interface PublishTarget {
  id: number;
  /** Whether the publishing user is an owner of the skill. */
  owned: boolean;
  /** The row of that version when it was ever published (purged ones too). */
  version: VersionRow | null;
}

type TargetRow = { skill: number; owned: boolean } & Partial<VersionRow>;

const VERSION_COLUMNS = `id, skill_id, version, sha256, size, signer, description, license, deps, keywords,
  published_at, yanked, yank_reason, purged_at, response`;

/** The skill `$1`, whether user `$3` owns it, and its row of version `$2`, as the CTE `target`. */
const TARGET_SQL = `WITH target AS (
  SELECT s.id AS skill,
         EXISTS (SELECT 1 FROM owners o WHERE o.skill_id = s.id AND o.user_id = $3) AS owned,
         ${VERSION_COLUMNS.split(',')
           .map((column) => `v.${column.trim()}`)
           .join(', ')}
  FROM skills s LEFT JOIN versions v ON v.skill_id = s.id AND v.version = $2
  WHERE s.name = $1
)`;

function targetOf(row: TargetRow): PublishTarget {
  const { skill, owned, ...columns } = row;
  return {
    id: skill,
    owned,
    version: columns.id === null || columns.id === undefined ? null : normaliseVersion(columns as VersionRow),
  };
}

/**
 * The skill, whether `userId` owns it and the existing row of `version`, or null when no skill
 * has the name. Never with FOR UPDATE: under READ COMMITTED a statement that waited for a row
 * lock still reads the joined rows from its own snapshot, from before the holder committed. A
 * transaction takes lockSkill first, then asks this in a new statement.
 */
export async function publishTarget(
  q: Queryable,
  name: string,
  version: string,
  userId: number,
): Promise<PublishTarget | null> {
  const { rows } = await q.query<TargetRow>(`${TARGET_SQL} SELECT * FROM target`, [name, version, userId]);
  return rows[0] === undefined ? null : targetOf(rows[0]);
}

/**
 * publishTarget, taking one token from `bucket` in the same statement when the publish is about
 * to go ahead (the user owns the skill and the version is new); `took` says whether it could.
 * For a transaction that holds lockSkill: the caller rolls back whatever it then refuses.
 */
export async function publishTargetTaking(
  q: Queryable,
  name: string,
  version: string,
  userId: number,
  bucket: Bucket,
): Promise<(PublishTarget & { took: boolean }) | null> {
  const taking = takeStatement(
    { key: '$4', burst: '$5', perSecond: '$6', cost: '1', now: '$7' },
    'FROM target WHERE target.owned AND target.id IS NULL',
  );
  const { rows } = await q.query<TargetRow & { took: boolean }>(
    `${TARGET_SQL}, take AS (${taking} RETURNING 1)
     SELECT target.*, EXISTS (SELECT 1 FROM take) AS took FROM target`,
    [name, version, userId, bucket.key, bucket.limit.burst, bucket.limit.perSecond, bucket.now],
  );
  if (rows[0] === undefined) return null;
  const { took, ...row } = rows[0];
  return { ...targetOf(row), took };
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
  /** The skill's name: the payload of the NOTIFY. */
  name: string;
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

/** The index job of the skill `$1`, as a CTE named `job`; the statement NOTIFYs `index_jobs`. */
const INDEX_JOB = 'job AS (INSERT INTO index_jobs (skill_id) VALUES ($1) RETURNING id)';

/**
 * Writes a publish in one statement, one round trip: the version, its keyword rows, its index job
 * with the NOTIFY (as enqueueIndexJob) and the audit row. Returns the version's id.
 */
export async function insertVersion(
  q: Queryable,
  v: NewVersion,
  audit: { source: AuditSource; entry: AuditEntry },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `WITH version AS (
       INSERT INTO versions (skill_id, version, sha256, size, signer, publisher_id, description, license,
         deps, keywords, files, published_at, response)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::text[], $11::jsonb, $12, $13::jsonb)
       RETURNING id
     ), keywords AS (
       INSERT INTO version_keywords (version_id, keyword)
       SELECT version.id, keyword FROM version, unnest($10::text[]) AS keyword ON CONFLICT DO NOTHING
     ), ${INDEX_JOB}, audit AS (
       INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($15, $16, $17, $18::jsonb, $19)
     )
     SELECT version.id, pg_notify('index_jobs', $14) FROM version, job`,
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
      v.name,
      ...auditValues(audit.source, audit.entry),
    ],
  );
  return rows[0]!.id;
}

/**
 * "This skill's index state may differ from the database": the worker re-derives it. The same
 * statement NOTIFYs index_jobs, which PostgreSQL delivers at COMMIT, so the worker wakes exactly
 * when the job becomes visible (a rolled-back job wakes no one; a missed wake-up only waits for
 * the worker's poll).
 */
export async function enqueueIndexJob(q: Queryable, skillId: number, name: string): Promise<void> {
  await q.query(`WITH ${INDEX_JOB} SELECT pg_notify('index_jobs', $2) FROM job`, [skillId, name]);
}
