import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  appendFeed,
  buildSnapshot,
  commitSnapshot,
  gcAuto,
  openIndex,
  rebuild,
  verify,
  type RebuildResult,
  type VerifyProblem,
  type VerifyReport,
} from '@skills/index-builder';
import { isSkillsError, segmentPath, type FeedHead } from '@skills/schema';
import { digestOfHandle } from '../blobs.js';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { downloadFile, placeDownload, removeDownload, type DownloadProblem } from './downloads.js';
import { normalizeArmor, type RegistrySigner } from './ensure.js';
import { withRenderLock } from './lock.js';
import { checkPublishedHead, keysOf } from './render.js';
import {
  allLiveVersions,
  currentEpoch,
  feedLinesAfter,
  liveSigners,
  publicKeys,
  purgedVersions,
} from './sql.js';

export interface RebuildIndexResult extends RebuildResult {
  downloadProblems: DownloadProblem[];
}

/**
 * `skills-registry index rebuild`: re-renders every file of the projection from all feed rows of
 * the epoch (index-builder's rebuild: never alters, adds or renumbers a line, and refuses when the
 * published head is not on the feed), then repairs what lies beside the projection: every live
 * version's download files are placed again after re-checking their blobs, purged versions' are
 * removed, and keys/ gets every live signer's key as the database holds it (revocation included).
 */
export async function rebuildIndex(
  ctx: RegistryContext,
  options: { signer: RegistrySigner },
): Promise<RebuildIndexResult> {
  return withRenderLock(ctx, async (q) => {
    const dir = ctx.paths.index;
    const index = await openIndex(dir);
    const check = await checkPublishedHead(q, index);
    if (!check.ok) throw new Error(`refusing to rebuild the index: ${check.reason}`);
    const lines = await allFeedLines(q, check.epoch);
    const sign = (bytes: Buffer) => options.signer.sign(bytes);
    const result = await rebuild(dir, lines, { sign, time: ctx.now() });
    const downloadProblems: DownloadProblem[] = [];
    for (const version of await allLiveVersions(q)) {
      downloadProblems.push(
        ...(await placeDownload(
          ctx.paths,
          version.name,
          version.version,
          version.sha256,
          version.signer !== null,
        )),
      );
    }
    for (const version of await purgedVersions(q))
      await removeDownload(ctx.paths, version.name, version.version);
    const keys = await keysOf(q, await liveSigners(q), options.signer);
    await appendFeed(dir, { lines: [], keys, sign, time: ctx.now() });
    return { ...result, downloadProblems };
  });
}

export interface VerifyIndexOptions {
  /** The registry's armored public key: head.json.asc must verify with it. */
  publicKey?: string;
  /** Re-hash every live version's download file against its sha256 (default true). */
  downloads?: boolean;
}

/**
 * `skills-registry index verify`: index-builder's verify with the feed table of the database's
 * epoch as `feedLines` (files == projection of the feed, chain intact, git sound), plus: the index
 * is at the database's epoch, each live version's download file exists with its sha256, and
 * keys/ holds every live signer's key exactly as the database has it (with its revocation, once
 * one was sent: what rebuildIndex and the key jobs write).
 */
export async function verifyIndex(
  ctx: RegistryContext,
  options: VerifyIndexOptions = {},
): Promise<VerifyReport> {
  const epoch = await currentEpoch(ctx.db);
  const feedLines = epoch === null ? [] : await allFeedLines(ctx.db, epoch);
  const report = await verify(ctx.paths.index, {
    feedLines,
    ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }),
  });
  const problems: VerifyProblem[] = [...report.problems];
  if (report.epoch !== epoch) {
    problems.push({
      code: 'INDEX_INCONSISTENT',
      path: 'feed/head.json',
      message: `names epoch ${report.epoch}, but the database is at epoch ${epoch ?? '(none)'}`,
    });
  }
  if (options.downloads !== false) problems.push(...(await checkDownloads(ctx)));
  problems.push(...(await checkKeyFiles(ctx)));
  return { ...report, ok: problems.length === 0, problems };
}

async function checkKeyFiles(ctx: RegistryContext): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const [fingerprint, armored] of await publicKeys(ctx.db, await liveSigners(ctx.db))) {
    const file = `keys/${fingerprint}.asc`;
    const served = await readFile(path.join(ctx.paths.index, 'keys', `${fingerprint}.asc`), 'utf8').catch(
      () => null,
    );
    if (served === null) {
      problems.push({
        code: 'INDEX_INCONSISTENT',
        path: file,
        message: 'is missing: the key signed live versions',
      });
    } else if (served !== normalizeArmor(armored)) {
      problems.push({
        code: 'INDEX_INCONSISTENT',
        path: file,
        message:
          'differs from the key the database holds (a revocation not rendered yet?); `skills-registry index rebuild` writes it',
      });
    }
  }
  return problems;
}

async function checkDownloads(ctx: RegistryContext): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const version of await allLiveVersions(ctx.db)) {
    const file = downloadFile(version.name, version.version);
    let handle;
    try {
      handle = await open(path.join(ctx.paths.dl, ...file.split('/')), 'r');
    } catch {
      problems.push({ code: 'INDEX_INCONSISTENT', path: `dl/${file}`, message: 'is missing' });
      continue;
    }
    const digest = await digestOfHandle(handle).finally(() => handle.close());
    if (digest !== version.sha256) {
      problems.push({
        code: 'INDEX_INCONSISTENT',
        path: `dl/${file}`,
        message: `has the sha256 ${digest}, not ${version.sha256}`,
      });
    }
  }
  return problems;
}

async function allFeedLines(q: Queryable, epoch: string): Promise<Buffer[]> {
  const lines: Buffer[] = [];
  for (let seq = 0; ;) {
    const rows = await feedLinesAfter(q, epoch, seq, 10_000);
    if (rows.length === 0) return lines;
    for (const row of rows) lines.push(row.line);
    seq = rows[rows.length - 1]!.seq;
  }
}

/**
 * The recommended snapshot rule (INDEX_FORMAT.md Snapshots): a new snapshot when the feed since
 * the last one is more than a quarter of the whole feed, in bytes (the first as soon as the feed
 * has a line).
 */
export async function snapshotDue(dir: string, head: FeedHead): Promise<boolean> {
  if (head.seq === 0) return false;
  const total = await feedBytesThrough(dir, head.epoch, head.segment, head.offset);
  const snapshot = head.snapshot;
  if (snapshot === null) return true;
  const covered = await feedBytesThrough(dir, head.epoch, snapshot.segment, snapshot.offset);
  return total - covered > total / 4;
}

/** Bytes of the feed before (segment, offset): the full segments before it, plus offset. */
async function feedBytesThrough(
  dir: string,
  epoch: string,
  segment: number,
  offset: number,
): Promise<number> {
  let bytes = offset;
  for (let k = 0; k < segment; k += 1) bytes += (await stat(path.join(dir, segmentPath(epoch, k)))).size;
  return bytes;
}

/**
 * Writes a catalog snapshot when one is due. It is built from committed objects without the
 * render lock (batches go on meanwhile) and committed under it; a head that moved on is fine,
 * one that another writer already snapshotted is left alone. Returns whether one was written.
 */
export async function maybeWriteSnapshot(
  ctx: RegistryContext,
  options: { signer: RegistrySigner },
): Promise<boolean> {
  const dir = ctx.paths.index;
  const { head } = await openIndex(dir);
  if (!(await snapshotDue(dir, head))) return false;
  const built = await buildSnapshot(dir);
  if (built === null) return false;
  return withRenderLock(ctx, async () => {
    try {
      await commitSnapshot(dir, built, { sign: (bytes) => options.signer.sign(bytes), time: ctx.now() });
      ctx.logger.info({ seq: built.meta.seq, path: built.meta.path }, 'wrote a catalog snapshot');
      return true;
    } catch (error) {
      if (isSkillsError(error) && error.code === 'INDEX_WRITE_CONFLICT') return false;
      throw error;
    }
  });
}

/** `git gc --auto` on the index repository (packs isomorphic-git's loose objects), as its only writer. */
export async function collectGarbage(ctx: RegistryContext): Promise<boolean> {
  return withRenderLock(ctx, async () => (await gcAuto(ctx.paths.index)).ran);
}
