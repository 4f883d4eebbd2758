import { appendFeed, openIndex, type CommittedIndex } from '@skills/index-builder';
import { parseFeedLine, type FeedHead } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { applyDownloads, type DownloadProblem } from './downloads.js';
import { normalizeArmor, type RegistrySigner } from './ensure.js';
import { withRenderLock } from './lock.js';
import {
  claimKeyJobs,
  currentEpoch,
  deleteKeyJobs,
  feedEnd,
  feedHashAt,
  feedLinesAfter,
  hasKeyJobs,
  liveSigners,
  publicKeys,
} from './sql.js';

/** Feed lines per index commit when catching up: bounds memory and the size of one commit. */
export const RENDER_CHUNK = 5000;
/** Key jobs per index commit. */
export const KEY_JOBS_PER_COMMIT = 100;

export type HeadCheck = { ok: true; epoch: string } | { ok: false; reason: string };

/**
 * May the worker write on top of the published index? Only when the database is at the index's
 * epoch and the published head is a prefix of the feed table: its seq exists there with the same
 * chain hash (the chain makes that one row vouch for every earlier one). Anything else means the
 * database is not the one the index was rendered from — typically a restored older backup — and
 * writing would fork what clients already verified. Then only `epoch new` helps.
 */
export async function checkPublishedHead(q: Queryable, index: CommittedIndex): Promise<HeadCheck> {
  const { head } = index;
  const epoch = await currentEpoch(q);
  if (epoch === null) return { ok: false, reason: 'the database has no registry_state row (no epoch)' };
  if (epoch !== head.epoch) {
    return {
      ok: false,
      reason: `the published index is at epoch ${head.epoch} but the database at epoch ${epoch}; finish the switch with \`skills-registry epoch new\``,
    };
  }
  if (head.seq === 0) return { ok: true, epoch };
  const hash = await feedHashAt(q, epoch, head.seq);
  if (hash === null) {
    const end = (await feedEnd(q, epoch))?.seq ?? 0;
    return {
      ok: false,
      reason: `the published head is feed line ${head.seq} of epoch ${epoch}, but the feed table ends at line ${end}: the database is older than the index it rendered (a restored backup?); start a new epoch with \`skills-registry epoch new\``,
    };
  }
  if (hash !== head.hash) {
    return {
      ok: false,
      reason: `feed line ${head.seq} of epoch ${epoch} in the database (hash ${hash.slice(0, 12)}…) is not the published one (hash ${head.hash.slice(0, 12)}…): the database forked from the index; start a new epoch with \`skills-registry epoch new\``,
    };
  }
  return { ok: true, epoch };
}

export interface RenderResult {
  state: 'ok' | 'refused';
  reason: string | null;
  /** The published head after rendering. */
  head: FeedHead;
  /** Feed lines rendered by this call. */
  rendered: number;
  /** Index commits written by this call. */
  commits: number;
  downloadProblems: DownloadProblem[];
}

/**
 * Renders every feed row of the index's epoch that the index does not have yet, after checking
 * that the published head is a prefix of the feed table (else it refuses and writes nothing). The
 * download files of those lines are placed first and head.json is written last by appendFeed, so
 * a client that sees the new head finds everything it names. Safe to repeat at any time: after a
 * crash between the SQL commit and the render, this is what finishes the job.
 */
export async function renderPending(
  ctx: RegistryContext,
  options: { signer: RegistrySigner },
): Promise<RenderResult> {
  return withRenderLock(ctx, async (q) => {
    const index = await openIndex(ctx.paths.index);
    const check = await checkPublishedHead(q, index);
    if (!check.ok) {
      return {
        state: 'refused',
        reason: check.reason,
        head: index.head,
        rendered: 0,
        commits: 0,
        downloadProblems: [],
      };
    }
    return { state: 'ok', reason: null, ...(await renderFeedRows(ctx, q, index.head, options.signer)) };
  });
}

/**
 * Appends the feed rows after `head` to the index at ctx.paths.index... or at `dir`: in chunks,
 * each chunk's downloads before its commit. The caller holds the render lock.
 */
export async function renderFeedRows(
  ctx: RegistryContext,
  q: Queryable,
  head: FeedHead,
  signer: RegistrySigner,
  dir = ctx.paths.index,
): Promise<Omit<RenderResult, 'state' | 'reason'>> {
  let current = head;
  let rendered = 0;
  let commits = 0;
  const downloadProblems: DownloadProblem[] = [];
  for (;;) {
    const rows = await feedLinesAfter(q, current.epoch, current.seq, RENDER_CHUNK);
    if (rows.length === 0) break;
    const lines = rows.map((row) => row.line);
    for (const problem of await applyDownloads(ctx.paths, lines)) {
      ctx.logger.error(problem, 'a download file was not published');
      downloadProblems.push(problem);
    }
    const result = await appendFeed(dir, {
      lines,
      keys: await keysFor(q, lines, signer),
      sign: (bytes) => signer.sign(bytes),
      time: ctx.now(),
    });
    if (result.changed.length > 0) commits += 1;
    rendered += result.head.seq - current.seq;
    current = result.head;
    if (rows.length < RENDER_CHUNK) break;
  }
  return { head: current, rendered, commits, downloadProblems };
}

/**
 * keys/<FPR>.asc for the signers of these lines' entries, plus the registry's own key. appendFeed
 * rewrites only what differs from the committed bytes, so passing a key again costs a read.
 */
export async function keysFor(
  q: Queryable,
  lines: readonly Uint8Array[],
  signer: RegistrySigner,
): Promise<Record<string, string>> {
  const signers = new Set<string>();
  for (const bytes of lines) {
    const parsed = parseFeedLine(bytes);
    if (parsed.known && parsed.line.entry?.signer) signers.add(parsed.line.entry.signer);
  }
  return keysOf(q, [...signers], signer);
}

export async function keysOf(
  q: Queryable,
  fingerprints: readonly string[],
  signer: RegistrySigner,
): Promise<Record<string, string>> {
  const keys: Record<string, string> = { [signer.fingerprint]: normalizeArmor(signer.publicArmored) };
  for (const [fingerprint, armored] of await publicKeys(q, fingerprints)) {
    keys[fingerprint] = normalizeArmor(armored);
  }
  return keys;
}

export interface KeyRenderResult {
  /** Key jobs done (and deleted). */
  jobs: number;
  /** Index commits written (0 or 1). */
  commits: number;
}

/**
 * The key half of a batch: claims key jobs (a key row changed: a revocation was stored) and
 * re-renders keys/<FPR>.asc of those keys that keys/ holds — the signers of live versions; a key
 * that signed nothing live is not needed by any installer — in one "Update keys" commit (head.json
 * is signed again, the feed does not move). The jobs are deleted only after that commit, under the
 * render lock, so a crash in between renders them again (the same bytes: a no-op). Nothing is
 * written while the published head is refused (see renderPending).
 */
export async function renderKeyChanges(
  ctx: RegistryContext,
  options: { signer: RegistrySigner },
): Promise<KeyRenderResult> {
  // Almost every batch has none: skip the render lock's transaction then.
  if (!(await hasKeyJobs(ctx.db))) return { jobs: 0, commits: 0 };
  return withRenderLock(ctx, async (q) => {
    const jobs = await claimKeyJobs(q, KEY_JOBS_PER_COMMIT);
    if (jobs.length === 0) return { jobs: 0, commits: 0 };
    const index = await openIndex(ctx.paths.index);
    if (!(await checkPublishedHead(q, index)).ok) return { jobs: 0, commits: 0 };
    const signers = await liveSigners(q, [...new Set(jobs.map((job) => job.fingerprint))]);
    const result = await appendFeed(ctx.paths.index, {
      lines: [],
      keys: await keysOf(q, signers, options.signer),
      sign: (bytes) => options.signer.sign(bytes),
      time: ctx.now(),
    });
    await deleteKeyJobs(
      q,
      jobs.map((job) => job.id),
    );
    return { jobs: jobs.length, commits: result.changed.length > 0 ? 1 : 0 };
  });
}
