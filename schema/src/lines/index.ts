export { formatTimestamp, isEpoch, isFingerprint, isSha256, isTimestamp } from './patterns.js';
export { jsonString } from './json-bytes.js';
export {
  INDEX_LINE_MAX_BYTES,
  parseIndexLine,
  serializeIndexLine,
  tryParseIndexLine,
  type IndexLine,
  type IndexLineResult,
} from './index-line.js';
export {
  FEED_OPS,
  parseFeedLine,
  serializeFeedLine,
  type FeedLine,
  type FeedOp,
  type ParsedFeedLine,
  type UnknownFeedLine,
} from './feed-line.js';
export { GENESIS_HASH, chainHash } from './chain.js';
export { latestOf } from './latest.js';
export {
  applyFeedLine,
  buildFeedLine,
  isNoopChange,
  lineSerializer,
  renderShardFile,
  type BuiltFeedLine,
  type FeedChange,
} from './feed-change.js';
export { indexPath, shardPrefix } from './index-path.js';
export { SEGMENT_LINES, headSegment, segmentFileName, segmentOf, segmentPath } from './segments.js';
export {
  FEED_HEAD_PATH,
  parseFeedHead,
  serializeFeedHead,
  type FeedHead,
  type HeadSnapshot,
} from './head.js';
export {
  parseSnapshotLine,
  serializeSnapshotLine,
  type ParsedSnapshotLine,
  type SnapshotLine,
} from './snapshot-line.js';
export {
  CONFIG_PATH,
  isLoopback,
  parseIndexConfig,
  serializeIndexConfig,
  type IndexConfig,
} from './config.js';
