import path from 'node:path';
import type { RegistryContext } from '../context.js';
import type { Queryable } from '../db/database.js';
import { lockRenderer } from './sql.js';

/** Render chains per index folder: one writer of a repository per process. */
const chains = new Map<string, Promise<unknown>>();

/**
 * Runs fn as the only writer of the index repository. Within the process a promise chain per
 * folder; across processes (several `serve` sharing a data dir on PostgreSQL) a transaction holding
 * pg_advisory_xact_lock(RENDER_LOCK) for the whole write, whose connection fn also queries through.
 * On PGlite there is one process (the data dir is locked) and one session, which a transaction
 * would block for every request, so fn queries the database directly.
 *
 * Without this, two renderers could each commit their own view and the later ref write could move
 * the published head backwards.
 */
export async function withRenderLock<T>(ctx: RegistryContext, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const key = path.resolve(ctx.paths.index);
  const previous = chains.get(key) ?? Promise.resolve();
  const run = previous.then(
    () => locked(ctx, fn),
    () => locked(ctx, fn),
  );
  const settled = run.catch(() => undefined);
  chains.set(key, settled);
  try {
    return await run;
  } finally {
    if (chains.get(key) === settled) chains.delete(key);
  }
}

async function locked<T>(ctx: RegistryContext, fn: (q: Queryable) => Promise<T>): Promise<T> {
  if (ctx.db.kind !== 'postgres') return fn(ctx.db);
  return ctx.db.tx(async (q) => {
    await lockRenderer(q);
    return fn(q);
  });
}
