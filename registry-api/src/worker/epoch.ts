import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { headCommit, indexRepo, newEpoch, openIndex } from '@skills/index-builder';
import { GENESIS_HASH, lineSerializer, type IndexLine } from '@skills/schema';
import type { RegistryContext } from '../context.js';
import { feedRowsFor, indexLineOf, type FeedCursor } from './changes.js';
import { buildFreshIndex, indexConfigFor, type IndexOptions } from './ensure.js';
import { withRenderLock } from './lock.js';
import { renderFeedRows } from './render.js';
import {
  allLiveVersions,
  currentEpoch,
  insertFeedRows,
  lockWriter,
  notifyFeed,
  setEpoch,
  type NewFeedRow,
} from './sql.js';

export interface EpochNewOptions extends IndexOptions {
  /** Must be true: a new epoch makes every client stop with FEED_RESET until its user accepts. */
  confirm: boolean;
}

export interface EpochNewResult {
  epoch: string;
  previous: string | null;
  /** Feed lines of the new epoch (one publish per live version). */
  lines: number;
  /** Where the previous index tree was moved, or null when there was none. */
  archived: string | null;
}

/**
 * Starts a new epoch (DESIGN §4 Epochs): the operator's way out when the published index is not a
 * prefix of the feed table (a restored backup), or to change config.json.
 *
 * In ONE transaction under the writer lock: a fresh epoch id (`YYYY-MM-DD-<10 hex>`), and a feed
 * that restarts at seq 1 with exactly one `publish` line per live (not purged) version of every
 * skill, in the order the versions were first published (versions.id), each entry carrying the
 * version's current `yanked`/`yank_reason`. Skills with no live version do not appear. The rows of
 * older epochs stay in the table, untouched. Jobs still queued become no-ops.
 *
 * Then, under the render lock: a fresh index repository (new config.json from the configuration,
 * the registry key, every line of the new epoch, download files) is built beside the served one
 * and swapped in; the old tree is kept at `<index>.epoch-<old epoch>` for the operator. If this
 * part is interrupted, run `epoch new` again (the worker refuses meanwhile, saying so).
 */
export async function epochNew(ctx: RegistryContext, options: EpochNewOptions): Promise<EpochNewResult> {
  if (options.confirm !== true) {
    throw new Error('a new epoch resets every client of the registry: confirm it explicitly');
  }
  const epoch = newEpoch(ctx.now());
  const config = indexConfigFor(ctx, options);
  const { previous, lines } = await ctx.db.tx(async (q) => {
    await lockWriter(q);
    const previous = await currentEpoch(q);
    const cursor: FeedCursor = { seq: 0, hash: GENESIS_HASH };
    const shards = new Map<number, { lines: IndexLine[]; serialize: (line: IndexLine) => Buffer }>();
    const rows: NewFeedRow[] = [];
    for (const version of await allLiveVersions(q)) {
      const shard = shards.get(version.skill_id) ?? { lines: [], serialize: lineSerializer() };
      const built = feedRowsFor(
        { id: version.skill_id, name: version.name },
        shard.lines,
        [{ op: 'publish', version: version.version, entry: indexLineOf(version) }],
        cursor,
        shard.serialize,
      );
      rows.push(...built.rows);
      shards.set(version.skill_id, { lines: built.lines, serialize: shard.serialize });
    }
    await setEpoch(q, epoch);
    for (let at = 0; at < rows.length; at += 1000) await insertFeedRows(q, epoch, rows.slice(at, at + 1000));
    await notifyFeed(q, cursor.seq);
    return { previous, lines: rows.length };
  });
  ctx.logger.warn({ epoch, previous, lines }, 'started a new epoch');

  const archived = await withRenderLock(ctx, async (q) => {
    const dir = ctx.paths.index;
    const temp = await buildFreshIndex(ctx, dir, epoch, config, options.signer);
    try {
      const fresh = await openIndex(temp);
      await renderFeedRows(ctx, q, fresh.head, options.signer, temp);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    return swapIn(dir, temp);
  });
  return { epoch, previous, lines, archived };
}

/** Moves the served tree aside (if any) and the new one into its place: two renames. */
async function swapIn(dir: string, temp: string): Promise<string | null> {
  let archived: string | null = null;
  if (await exists(dir)) {
    const old = (await headCommit(indexRepo(dir))) === null ? null : await openIndex(dir).catch(() => null);
    archived = `${dir}.epoch-${old?.config.epoch ?? 'unknown'}`;
    if (await exists(archived)) archived = `${archived}-${randomBytes(3).toString('hex')}`;
    await rename(dir, archived);
  }
  await rename(temp, dir);
  return archived;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
