import type { Queryable } from '../db/database.js';

/**
 * The index worker's queries, each a small named function with its SQL in plain sight
 * (graphile/worker style). Everything runs on a Queryable: the database or one transaction.
 */

/** pg_advisory_xact_lock key of the feed writer: one batch (or `epoch new`) at a time. */
export const WRITER_LOCK = 0x736b6977; // "skiw"
/** Key of the index renderer: one process writes the index repository at a time. */
export const RENDER_LOCK = 0x736b6972; // "skir"

export async function lockWriter(q: Queryable): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
}

export async function lockRenderer(q: Queryable): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1)', [RENDER_LOCK]);
}

export async function currentEpoch(q: Queryable): Promise<string | null> {
  const { rows } = await q.query<{ epoch: string }>('SELECT epoch FROM registry_state WHERE id = 1');
  return rows[0]?.epoch ?? null;
}

/** Creates the registry_state row with `epoch` unless one exists; returns the epoch in force. */
export async function ensureEpoch(q: Queryable, epoch: string): Promise<string> {
  await q.query('INSERT INTO registry_state (id, epoch) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [epoch]);
  return (await currentEpoch(q))!;
}

export async function setEpoch(q: Queryable, epoch: string): Promise<void> {
  await q.query(
    `INSERT INTO registry_state (id, epoch, started_at) VALUES (1, $1, now())
     ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch, started_at = EXCLUDED.started_at`,
    [epoch],
  );
}

export interface JobRow {
  id: number;
  skill_id: number;
}

/**
 * Claims the oldest jobs. The writer lock already serialises batches; SKIP LOCKED keeps the claim
 * from waiting on anything else that holds job rows (a publisher deleting its own, say).
 */
export async function claimJobs(q: Queryable, limit: number): Promise<JobRow[]> {
  const { rows } = await q.query<JobRow>(
    'SELECT id, skill_id FROM index_jobs ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
    [limit],
  );
  return rows;
}

export async function deleteJobs(q: Queryable, ids: readonly number[]): Promise<void> {
  await q.query('DELETE FROM index_jobs WHERE id = ANY($1::bigint[])', [ids]);
}

export interface KeyJobRow {
  id: number;
  fingerprint: string;
}

/** Claims the oldest key jobs; the caller deletes them once their key files are committed. */
export async function claimKeyJobs(q: Queryable, limit: number): Promise<KeyJobRow[]> {
  const { rows } = await q.query<KeyJobRow>(
    'SELECT id, fingerprint FROM index_key_jobs ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED',
    [limit],
  );
  return rows;
}

export async function hasKeyJobs(q: Queryable): Promise<boolean> {
  const { rows } = await q.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM index_key_jobs) AS any');
  return rows[0]!.any;
}

export async function deleteKeyJobs(q: Queryable, ids: readonly number[]): Promise<void> {
  await q.query('DELETE FROM index_key_jobs WHERE id = ANY($1::bigint[])', [ids]);
}

export async function skillNames(q: Queryable, ids: readonly number[]): Promise<Map<number, string>> {
  const { rows } = await q.query<{ id: number; name: string }>(
    'SELECT id, name FROM skills WHERE id = ANY($1::bigint[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** A version row with the index line fields (DESIGN §4 Lines). */
export interface VersionRow {
  id: number;
  skill_id: number;
  name: string;
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
}

const VERSION_COLUMNS = `v.id, v.skill_id, s.name, v.version, v.sha256, v.size, v.signer, v.description,
  v.license, v.deps, v.keywords, v.published_at, v.yanked, v.yank_reason`;

/** A skill's versions that are not purged, in publish order. */
export async function liveVersions(q: Queryable, skillId: number): Promise<VersionRow[]> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE v.skill_id = $1 AND v.purged_at IS NULL ORDER BY v.id`,
    [skillId],
  );
  return rows;
}

/** Every version that is not purged, in publish order: the first lines of a new epoch. */
export async function allLiveVersions(q: Queryable): Promise<VersionRow[]> {
  const { rows } = await q.query<VersionRow>(
    `SELECT ${VERSION_COLUMNS} FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE v.purged_at IS NULL ORDER BY v.id`,
  );
  return rows;
}

/** name, version and sha256 of purged versions: their public download files must be gone. */
export async function purgedVersions(
  q: Queryable,
): Promise<{ name: string; version: string; sha256: string }[]> {
  const { rows } = await q.query<{ name: string; version: string; sha256: string }>(
    `SELECT s.name, v.version, v.sha256 FROM versions v JOIN skills s ON s.id = v.skill_id
     WHERE v.purged_at IS NOT NULL ORDER BY v.id`,
  );
  return rows;
}

export interface FeedEnd {
  seq: number;
  hash: string;
}

/** The last feed row of an epoch; null for an empty feed. */
export async function feedEnd(q: Queryable, epoch: string): Promise<FeedEnd | null> {
  const { rows } = await q.query<FeedEnd>(
    'SELECT seq, hash FROM feed WHERE epoch = $1 ORDER BY seq DESC LIMIT 1',
    [epoch],
  );
  return rows[0] ?? null;
}

export async function feedHashAt(q: Queryable, epoch: string, seq: number): Promise<string | null> {
  const { rows } = await q.query<{ hash: string }>('SELECT hash FROM feed WHERE epoch = $1 AND seq = $2', [
    epoch,
    seq,
  ]);
  return rows[0]?.hash ?? null;
}

export interface SkillFeedRow {
  seq: number;
  line: Buffer;
  hash: string;
}

/**
 * A skill's feed rows in the epoch from `fromSeq` on (inclusive), in order: replayed from the
 * start, they give its shard file as published.
 */
export async function skillFeedRowsFrom(
  q: Queryable,
  epoch: string,
  skillId: number,
  fromSeq: number,
): Promise<SkillFeedRow[]> {
  const { rows } = await q.query<SkillFeedRow>(
    'SELECT seq, line, hash FROM feed WHERE epoch = $1 AND skill_id = $2 AND seq >= $3 ORDER BY seq',
    [epoch, skillId, fromSeq],
  );
  return rows;
}

export interface FeedRow {
  seq: number;
  line: Buffer;
}

/** Feed lines after `seq`, in order, at most `limit` of them. */
export async function feedLinesAfter(
  q: Queryable,
  epoch: string,
  seq: number,
  limit: number,
): Promise<FeedRow[]> {
  const { rows } = await q.query<FeedRow>(
    'SELECT seq, line FROM feed WHERE epoch = $1 AND seq > $2 ORDER BY seq LIMIT $3',
    [epoch, seq, limit],
  );
  return rows;
}

export interface NewFeedRow {
  seq: number;
  line: Buffer;
  hash: string;
  skillId: number;
  version: string;
  op: string;
}

/**
 * Inserts feed rows in one statement. The line bytes travel as hex text and are decoded by the
 * server, which both drivers pass the same way (bytea arrays they do not).
 */
export async function insertFeedRows(
  q: Queryable,
  epoch: string,
  rows: readonly NewFeedRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `INSERT INTO feed (epoch, seq, line, hash, skill_id, version, op)
     SELECT $1, t.seq, decode(t.line, 'hex'), t.hash, t.skill_id, t.version, t.op
     FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
       AS t (seq, line, hash, skill_id, version, op)`,
    [
      epoch,
      rows.map((row) => row.seq),
      rows.map((row) => row.line.toString('hex')),
      rows.map((row) => row.hash),
      rows.map((row) => row.skillId),
      rows.map((row) => row.version),
      rows.map((row) => row.op),
    ],
  );
}

/** Delivered at COMMIT: read models and other instances learn that the feed grew. */
export async function notifyFeed(q: Queryable, seq: number): Promise<void> {
  await q.query("SELECT pg_notify('feed', $1)", [String(seq)]);
}

/** Armored public keys by fingerprint. */
export async function publicKeys(
  q: Queryable,
  fingerprints: readonly string[],
): Promise<Map<string, string>> {
  if (fingerprints.length === 0) return new Map();
  const { rows } = await q.query<{ fingerprint: string; armored: string }>(
    'SELECT fingerprint, armored FROM keys WHERE fingerprint = ANY($1::text[])',
    [fingerprints],
  );
  return new Map(rows.map((row) => [row.fingerprint, row.armored]));
}

/**
 * Fingerprints of every key that signed a version that is not purged (of those given, when
 * `among` is): the keys keys/ must hold, as the database has them.
 */
export async function liveSigners(q: Queryable, among?: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<{ signer: string }>(
    `SELECT DISTINCT signer FROM versions
     WHERE signer IS NOT NULL AND purged_at IS NULL AND ($1::text[] IS NULL OR signer = ANY($1::text[]))
     ORDER BY signer`,
    [among ?? null],
  );
  return rows.map((row) => row.signer);
}
