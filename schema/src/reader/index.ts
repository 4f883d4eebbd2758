/**
 * `@skills/schema/reader`: the one reader of the index (DESIGN §4), shared by the registry's read
 * model, the index verifier and `skills sync`. Pure functions over bytes: no HTTP, no files.
 * Imports only node builtins and the rest of `@skills/schema` (lines, errors, names, versions).
 *
 * Decisions where DESIGN is silent:
 * - Shard files: `expectedFile` null means the feed says no version remains, so only empty bytes
 *   match. After the digest matched, a trailing fragment is refused (INDEX_LINE_INVALID: the
 *   writer is broken); bad, foreign-name and repeated-version lines are skipped with diagnostics,
 *   the first of two equal versions kept.
 * - Feed: a line that fails to parse breaks the chain at its expected seq. An altered line that
 *   still parses is reported at the next seq (its `prev` no longer matches), or by checkFeedEnd
 *   against head.json when it is the last line read.
 * - Snapshots are strict: one bad line refuses the whole snapshot (SNAPSHOT_INVALID), since it is
 *   a single signed-for object, unlike a shard file's independent lines.
 * - A catalog entry keeps `latest` as the exact bytes read; toSnapshot writes those bytes back.
 */
export { readShardFile, type ShardRead } from './shard.js';
export {
  FeedChainError,
  checkFeedEnd,
  readFeed,
  type FeedEntry,
  type FeedPosition,
  type FeedRead,
  type ReadFeedOptions,
} from './feed.js';
export {
  checkHeadAgainst,
  rangeHeader,
  readHead,
  resumePosition,
  segmentRange,
  type HeadComparison,
  type SegmentPosition,
  type SegmentRange,
} from './position.js';
export { Catalog, applyFeed, type CatalogEntry } from './catalog.js';
export {
  SNAPSHOT_MAX_BYTES,
  readSnapshot,
  type ExpectedSnapshot,
  type ReadSnapshotOptions,
} from './snapshot.js';
