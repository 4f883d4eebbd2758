import type { RegistryContext } from '../context.js';
import { DEFAULT_MAX_JOBS, runBatch } from './batch.js';
import type { DownloadProblem } from './downloads.js';
import { ensureIndex, type IndexOptions } from './ensure.js';
import { collectGarbage, maybeWriteSnapshot } from './maintenance.js';
import { KEY_JOBS_PER_COMMIT, type RenderResult } from './render.js';
import { SkillFeedStates } from './skill-states.js';

export interface WorkerOptions extends IndexOptions {
  /** Poll the job table this often even without a notification (ms). Default 5 s. */
  pollMs?: number;
  /** Jobs per batch. */
  maxJobs?: number;
  /** Least time between housekeeping passes (snapshot check, gc), in ms. Default 60 s. */
  housekeepingMs?: number;
  /** Index commits between two `git gc --auto` runs. Default 100 (and once at start). */
  gcEveryCommits?: number;
}

export interface WorkerStatus {
  /** `refused`: the published head is not a prefix of the feed table; nothing is written. */
  state: 'ok' | 'refused';
  reason: string | null;
  /** The published head, once known. */
  head: { epoch: string; seq: number; hash: string } | null;
  /** The last error of a pass (the loop goes on), or null. */
  lastError: string | null;
  /** Download files not published since start (missing or altered blobs), newest last. */
  downloadProblems: DownloadProblem[];
  batches: number;
  commits: number;
}

export interface Worker {
  stop(): Promise<void>;
  status(): WorkerStatus;
  /** Runs a pass soon (publishers NOTIFY index_jobs; this is the in-process shortcut). */
  kick(): void;
  /** Resolves once the worker has nothing to do: the queue drained, or refused, or failed. */
  idle(): Promise<void>;
}

/**
 * The index worker (DESIGN §2). A pass: render every feed row the index lacks (what a crash left
 * behind; refused when the published head is not a prefix of the feed table), then batches while
 * jobs exist, then now and then — off the batch path, in the background — a catalog snapshot when
 * one is due and `git gc --auto`. Passes run at start, on NOTIFY index_jobs, on kick(), and every
 * pollMs. A refusal is logged once and shown in status() until the head checks out again (after
 * `epoch new`).
 */
export function startWorker(ctx: RegistryContext, options: WorkerOptions): Worker {
  const pollMs = options.pollMs ?? 5000;
  const housekeepingMs = options.housekeepingMs ?? 60_000;
  const gcEveryCommits = options.gcEveryCommits ?? 100;
  const status: WorkerStatus = {
    state: 'ok',
    reason: null,
    head: null,
    lastError: null,
    downloadProblems: [],
    batches: 0,
    commits: 0,
  };
  let stopped = false;
  let kicked = true;
  let wake: (() => void) | null = null;
  let idleWaiters: (() => void)[] = [];
  let housekeeping: Promise<void> | null = null;
  let lastHousekeeping = -Infinity;
  let commitsAtGc: number | null = null;

  const kick = (): void => {
    kicked = true;
    wake?.();
  };

  const observe = (render: RenderResult): void => {
    const { head } = render;
    status.head = { epoch: head.epoch, seq: head.seq, hash: head.hash };
    status.commits += render.commits;
    status.downloadProblems.push(...render.downloadProblems);
    status.downloadProblems.splice(0, Math.max(0, status.downloadProblems.length - 100));
    if (render.state === 'refused' && status.state !== 'refused') {
      ctx.logger.error({ reason: render.reason }, 'the index worker refuses to write');
    } else if (render.state === 'ok' && status.state === 'refused') {
      ctx.logger.info('the published index is a prefix of the feed table again: writing resumes');
    }
    status.state = render.state;
    status.reason = render.reason;
  };

  const maxJobs = options.maxJobs ?? DEFAULT_MAX_JOBS;
  // The feed states of recently published skills, kept between batches (see SkillFeedStates).
  const states = new SkillFeedStates();
  let ensured = false;
  const pass = async (): Promise<void> => {
    if (!ensured) {
      await ensureIndex(ctx, options);
      ensured = true;
    }
    // Each batch first renders what the index lacks (or refuses), so the first one is also the
    // catch-up after a crash; a refused or empty batch ends the pass, and so does one that claimed
    // fewer jobs than it could: the queue was empty then, and a job committed since NOTIFYs (or
    // waits for the poll), so no empty batch runs just to find that out.
    while (!stopped) {
      const batch = await runBatch(ctx, { ...options, maxJobs, states });
      observe(batch.render);
      status.commits += batch.keys.commits;
      if (batch.jobs === 0 && batch.keys.jobs === 0) break;
      status.batches += 1;
      if (batch.jobs < maxJobs && batch.keys.jobs < KEY_JOBS_PER_COMMIT) break;
    }
    status.lastError = null;
  };

  const startHousekeeping = (): void => {
    if (housekeeping !== null || status.state !== 'ok' || Date.now() - lastHousekeeping < housekeepingMs)
      return;
    lastHousekeeping = Date.now();
    const gc = commitsAtGc === null || status.commits - commitsAtGc >= gcEveryCommits;
    housekeeping = (async () => {
      try {
        await maybeWriteSnapshot(ctx, options);
        if (gc) {
          await collectGarbage(ctx);
          commitsAtGc = status.commits;
        }
      } catch (error) {
        ctx.logger.error({ err: error }, 'index housekeeping failed');
        status.lastError = (error as Error).message;
      } finally {
        housekeeping = null;
      }
    })();
  };

  const loop = (async () => {
    let unlisten: (() => Promise<void>) | null = null;
    try {
      unlisten = await ctx.db.listen('index_jobs', kick);
    } catch (error) {
      ctx.logger.warn({ err: error }, 'cannot LISTEN index_jobs: polling only');
    }
    while (!stopped) {
      if (kicked) {
        kicked = false;
        try {
          await pass();
          startHousekeeping();
        } catch (error) {
          ctx.logger.error({ err: error }, 'an index worker pass failed');
          status.lastError = (error as Error).message;
          ensured = false; // the index may be gone: check again next time
        }
        continue;
      }
      // Idle: waiters learn it once the background housekeeping (if any) has finished too.
      const waiters = idleWaiters;
      idleWaiters = [];
      void Promise.resolve(housekeeping).then(() => waiters.forEach((resolve) => resolve()));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          kicked = true;
          resolve();
        }, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    await housekeeping;
    await unlisten?.().catch(() => undefined);
    for (const resolve of idleWaiters) resolve();
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
    status: () => ({
      ...status,
      head: status.head && { ...status.head },
      downloadProblems: [...status.downloadProblems],
    }),
    kick,
    idle() {
      if (stopped) return loop;
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        kick();
      });
    },
  };
}
