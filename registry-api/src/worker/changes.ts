import {
  applyFeedLine,
  buildFeedLine,
  formatTimestamp,
  lineSerializer,
  type FeedOp,
  type IndexLine,
} from '@skills/schema';
import type { NewFeedRow, VersionRow } from './sql.js';

/**
 * The index line of a version row (DESIGN §4 Lines): `published` is published_at in whole seconds
 * (dropped, not rounded), `yank_reason` is null unless the version is yanked.
 */
export function indexLineOf(row: VersionRow): IndexLine {
  return {
    v: 1,
    name: row.name,
    version: row.version,
    deps: row.deps,
    sha256: row.sha256,
    size: row.size,
    description: row.description,
    keywords: row.keywords,
    license: row.license,
    yanked: row.yanked,
    yank_reason: row.yanked ? row.yank_reason : null,
    published: formatTimestamp(row.published_at),
    signer: row.signer,
  };
}

export interface PlannedChange {
  op: FeedOp;
  version: string;
  /** The version's line after the change; null for a purge. */
  entry: IndexLine | null;
}

/**
 * What turns the feed's state of a skill into the database's (crates.io's "regenerate the file
 * from the database"), as feed changes: a purge for each published version the database no longer
 * has live, a yank or unyank for each whose yanked/yank_reason differ, a publish for each live
 * version the feed lacks, in publish order. Equal states plan nothing, so replays and duplicate
 * jobs are harmless.
 *
 * Index lines are immutable except for the yank fields (DESIGN §4): a published version's other
 * fields are taken from the feed, never from the row, so a later edit of the row cannot rewrite
 * history. A version published and yanked before the worker ran is one publish whose entry is
 * already yanked; one published and purged before it ran never appears at all.
 */
export function planChanges(published: readonly IndexLine[], live: readonly VersionRow[]): PlannedChange[] {
  const rows = new Map(live.map((row) => [row.version, row]));
  const changes: PlannedChange[] = [];
  for (const line of published) {
    const row = rows.get(line.version);
    if (row === undefined) {
      changes.push({ op: 'purge', version: line.version, entry: null });
      continue;
    }
    const reason = row.yanked ? row.yank_reason : null;
    if (line.yanked !== row.yanked || line.yank_reason !== reason) {
      changes.push({
        op: row.yanked ? 'yank' : 'unyank',
        version: line.version,
        entry: { ...line, yanked: row.yanked, yank_reason: reason },
      });
    }
  }
  const known = new Set(published.map((line) => line.version));
  for (const row of live) {
    if (!known.has(row.version))
      changes.push({ op: 'publish', version: row.version, entry: indexLineOf(row) });
  }
  return changes;
}

/** Where the next feed line goes: its seq and the chain hash before it. */
export interface FeedCursor {
  seq: number;
  hash: string;
}

/**
 * Turns planned changes of one skill into feed rows continuing `cursor` (advanced in place),
 * through schema's buildFeedLine, which checks that each line says exactly its change. Returns
 * the rows and the skill's lines after them. `serialize` may be a lineSerializer kept with the
 * skill's lines (see SkillFeedStates).
 */
export function feedRowsFor(
  skill: { id: number; name: string },
  published: readonly IndexLine[],
  changes: readonly PlannedChange[],
  cursor: FeedCursor,
  serialize = lineSerializer(),
): { rows: NewFeedRow[]; lines: IndexLine[] } {
  const rows: NewFeedRow[] = [];
  const next = { ...cursor };
  let before: IndexLine[] = [...published];
  for (const change of changes) {
    const after = applyFeedLine(before, { ...change, name: skill.name });
    const built = buildFeedLine(
      {
        seq: next.seq + 1,
        op: change.op,
        name: skill.name,
        version: change.version,
        before,
        after,
        prev: next.hash,
      },
      serialize,
    );
    rows.push({
      seq: built.line.seq,
      line: built.bytes,
      hash: built.hash,
      skillId: skill.id,
      version: change.version,
      op: change.op,
    });
    next.seq = built.line.seq;
    next.hash = built.hash;
    before = after;
  }
  // Only a skill whose every line was built moves the cursor: a refused one leaves no gap.
  Object.assign(cursor, next);
  return { rows, lines: before };
}
