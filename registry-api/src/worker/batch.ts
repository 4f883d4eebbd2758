import { GENESIS_HASH } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import { feedRowsFor, planChanges, type FeedCursor } from './changes.js';
import type { RegistrySigner } from './ensure.js';
import { renderKeyChanges, renderPending, type KeyRenderResult, type RenderResult } from './render.js';
import { SkillFeedStates } from './skill-states.js';
import {
  claimJobs,
  currentEpoch,
  deleteJobs,
  feedEnd,
  insertFeedRows,
  liveVersions,
  lockWriter,
  notifyFeed,
  skillNames,
  type NewFeedRow,
} from './sql.js';

/** Jobs claimed per batch unless told otherwise. */
export const DEFAULT_MAX_JOBS = 100;

export interface FeedAppendResult {
  epoch: string;
  /** Jobs claimed and deleted. */
  jobs: number;
  /** Distinct skills those jobs named. */
  skills: number;
  /** The feed rows appended, in seq order (none for no-op jobs). */
  lines: { seq: number; op: string; name: string; version: string }[];
  /** Skills whose change could not be expressed as feed lines (logged; their jobs are dropped). */
  failed: { name: string; message: string }[];
}

/**
 * The SQL half of a batch, in ONE transaction (DESIGN §2): take the writer lock, claim jobs, and
 * for each skill they name compare its live versions with what its feed lines published, append
 * one feed row per real change (seq = last seq of the epoch + 1, chained) and delete the claimed
 * jobs (runBatch NOTIFYs `feed` once the rows are rendered). Jobs are claimed before the versions
 * are read, so every change a claimed job announces is seen; a job committed later stays for the
 * next batch.
 */
export async function appendFeedRows(
  ctx: RegistryContext,
  options: { maxJobs?: number; states?: SkillFeedStates } = {},
): Promise<FeedAppendResult> {
  const states = options.states ?? new SkillFeedStates();
  return ctx.db.tx(async (q) => {
    await lockWriter(q);
    const epoch = await currentEpoch(q);
    if (epoch === null) throw new Error('the database has no epoch yet: run ensureIndex first');
    const jobs = await claimJobs(q, options.maxJobs ?? DEFAULT_MAX_JOBS);
    const skillIds = [...new Set(jobs.map((job) => job.skill_id))];
    const names = await skillNames(q, skillIds);
    const cursor: FeedCursor = { ...((await feedEnd(q, epoch)) ?? { seq: 0, hash: GENESIS_HASH }) };
    const rows: NewFeedRow[] = [];
    const lines: FeedAppendResult['lines'] = [];
    const failed: FeedAppendResult['failed'] = [];
    for (const id of skillIds) {
      const name = names.get(id)!;
      try {
        const published = await states.load(q, epoch, id);
        const changes = planChanges(published.lines, await liveVersions(q, id));
        const built = feedRowsFor({ id, name }, published.lines, changes, cursor, published.serialize);
        rows.push(...built.rows);
        lines.push(...built.rows.map((row) => ({ seq: row.seq, op: row.op, name, version: row.version })));
        const last = built.rows.at(-1);
        states.remember(epoch, id, {
          lines: built.lines,
          serialize: published.serialize,
          last: last === undefined ? published.last : { seq: last.seq, hash: last.hash },
        });
      } catch (error) {
        // A row that cannot become a valid index line (publish checks make this a bug): log it and
        // drop the job rather than retry it forever; the next job for the skill tries again.
        const message = (error as Error).message;
        ctx.logger.error(
          { err: error, skill: name },
          'cannot turn the database state of a skill into feed lines',
        );
        failed.push({ name, message });
      }
    }
    await insertFeedRows(q, epoch, rows);
    await deleteJobs(
      q,
      jobs.map((job) => job.id),
    );
    return { epoch, jobs: jobs.length, skills: skillIds.length, lines, failed };
  });
}

export interface BatchResult extends FeedAppendResult {
  render: RenderResult;
  /** The key jobs of the batch, rendered after its feed lines. */
  keys: KeyRenderResult;
}

export interface BatchOptions {
  signer: RegistrySigner;
  maxJobs?: number;
  /** The skills' feed states a worker keeps between its batches (none kept by default). */
  states?: SkillFeedStates;
}

/**
 * One batch: the SQL half, then (after COMMIT) the render of every feed row the index lacks,
 * download files first and head.json last, then the key jobs (renderKeyChanges). When the
 * published head is not a prefix of the feed table the batch claims nothing and returns the
 * refusal: the database must not grow a feed that forks from what clients hold.
 */
export async function runBatch(ctx: RegistryContext, options: BatchOptions): Promise<BatchResult> {
  const before = await renderPending(ctx, options);
  if (before.state === 'refused') {
    const keys = { jobs: 0, commits: 0 };
    return { epoch: before.head.epoch, jobs: 0, skills: 0, lines: [], failed: [], render: before, keys };
  }
  const appended = await appendFeedRows(ctx, options);
  const render = appended.lines.length === 0 ? before : await renderPending(ctx, options);
  // The read models learn of new feed rows once they are served: a version answers `indexed`
  // when /index/ and /dl/ have it (their polls can still see a row a little earlier).
  if (before.rendered + (render === before ? 0 : render.rendered) > 0)
    await notifyFeed(ctx.db, render.head.seq);
  return { ...appended, render, keys: await renderKeyChanges(ctx, options) };
}
