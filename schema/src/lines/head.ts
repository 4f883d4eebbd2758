import { ValidationError, type Issue } from '../errors.js';
import { GENESIS_HASH } from './chain.js';
import { Fields, IssueSink, equalTo, isCount, isPositiveCount, orNull } from './fields.js';
import { asciiBytes, jsonObject, jsonScalar } from './json-bytes.js';
import { readJsonObject } from './json-read.js';
import { isEpoch, isSha256, isTimestamp } from './patterns.js';
import { headSegment } from './segments.js';

/** `feed/head.json`: where the feed ends (DESIGN §4 Lines). */
export interface FeedHead {
  format: 1;
  epoch: string;
  seq: number;
  /** ⌊(seq−1)/1000⌋, 0 when seq is 0. */
  segment: number;
  /** Byte length of that segment through line seq. */
  offset: number;
  /** hash(seq); GENESIS_HASH when seq is 0. */
  hash: string;
  snapshot: HeadSnapshot | null;
  time: string;
  expires: string | null;
}

/** The newest catalog snapshot and the feed position it was taken at. */
export interface HeadSnapshot {
  seq: number;
  hash: string;
  /** `snapshots/<epoch>/<seq>-<16 hex>.ndjson.gz`. */
  path: string;
  sha256: string;
  size: number;
  segment: number;
  offset: number;
}

export const FEED_HEAD_PATH = 'feed/head.json';
/** head.json is a few hundred bytes; anything near this is not a head. */
const HEAD_MAX_BYTES = 16 * 1024;

const SUBJECT = FEED_HEAD_PATH;

/** Parses feed/head.json; throws ValidationError (FEED_HEAD_INVALID) naming the first bad field. */
export function parseFeedHead(input: Uint8Array | string): FeedHead {
  const read = readJsonObject(input, {
    subject: SUBJECT,
    code: 'FEED_HEAD_INVALID',
    maxBytes: HEAD_MAX_BYTES,
    line: false,
  });
  if (read.issue) throw headError(read.issue);
  return checkedHead(read.value);
}

/**
 * The exact bytes of feed/head.json. Decision: no trailing newline — the file is one JSON value
 * with no whitespace, and its signature covers exactly these bytes.
 */
export function serializeFeedHead(head: FeedHead): Buffer {
  const checked = checkedHead(head as unknown as Record<string, unknown>);
  const snapshot = checked.snapshot;
  return asciiBytes(
    jsonObject([
      ['format', jsonScalar(checked.format)],
      ['epoch', jsonScalar(checked.epoch)],
      ['seq', jsonScalar(checked.seq)],
      ['segment', jsonScalar(checked.segment)],
      ['offset', jsonScalar(checked.offset)],
      ['hash', jsonScalar(checked.hash)],
      [
        'snapshot',
        snapshot === null
          ? 'null'
          : jsonObject([
              ['seq', jsonScalar(snapshot.seq)],
              ['hash', jsonScalar(snapshot.hash)],
              ['path', jsonScalar(snapshot.path)],
              ['sha256', jsonScalar(snapshot.sha256)],
              ['size', jsonScalar(snapshot.size)],
              ['segment', jsonScalar(snapshot.segment)],
              ['offset', jsonScalar(snapshot.offset)],
            ]),
      ],
      ['time', jsonScalar(checked.time)],
      ['expires', jsonScalar(checked.expires)],
    ]),
  );
}

function checkedHead(value: Record<string, unknown>): FeedHead {
  const sink = new IssueSink(SUBJECT, 'FEED_HEAD_INVALID');
  const f = new Fields(sink, value);
  const head: FeedHead = {
    format: f.check('format', equalTo(1), 'the number 1'),
    epoch: f.check('epoch', isEpoch, 'an epoch matching [a-z0-9-]{1,32}'),
    seq: f.check('seq', isCount, 'a non-negative safe integer'),
    segment: f.check('segment', isCount, 'a non-negative safe integer'),
    offset: f.check('offset', isCount, 'a non-negative safe integer'),
    hash: f.check('hash', isSha256, '64 lowercase hex digits'),
    snapshot: f.object['snapshot'] === null ? null : snapshotFields(f),
    time: f.check('time', isTimestamp, 'a timestamp YYYY-MM-DDTHH:MM:SSZ'),
    expires: f.check('expires', orNull(isTimestamp), 'a timestamp YYYY-MM-DDTHH:MM:SSZ or null'),
  };
  if (!sink.issue) checkPosition(head, sink);
  if (sink.issue) throw headError(sink.issue);
  return head;
}

function snapshotFields(f: Fields): HeadSnapshot | null {
  const s = f.nested('snapshot');
  if (s === null) return null;
  return {
    seq: s.check('seq', isPositiveCount, 'a positive safe integer'),
    hash: s.check('hash', isSha256, '64 lowercase hex digits'),
    path: s.check('path', (v: unknown): v is string => typeof v === 'string', 'a string'),
    sha256: s.check('sha256', isSha256, '64 lowercase hex digits'),
    size: s.check('size', isCount, 'a non-negative safe integer'),
    segment: s.check('segment', isCount, 'a non-negative safe integer'),
    offset: s.check('offset', isPositiveCount, 'a positive safe integer'),
  };
}

/** The fields that must agree with each other; `snapshot.path` becomes a URL, so it is pinned. */
function checkPosition(head: FeedHead, sink: IssueSink): void {
  if (head.segment !== headSegment(head.seq)) {
    sink.report('segment', `must be ${headSegment(head.seq)} for seq ${head.seq}`);
  } else if ((head.seq === 0) !== (head.offset === 0)) {
    sink.report(
      'offset',
      head.seq === 0 ? 'must be 0 for an empty feed' : 'must be positive once the feed has lines',
    );
  } else if (head.seq === 0 && head.hash !== GENESIS_HASH) {
    sink.report('hash', 'must be 64 zeros for an empty feed');
  }
  const snapshot = head.snapshot;
  if (snapshot === null) return;
  if (snapshot.seq > head.seq) {
    sink.report('snapshot.seq', `must not be past the head's seq ${head.seq}`);
  } else if (snapshot.segment !== headSegment(snapshot.seq)) {
    sink.report('snapshot.segment', `must be ${headSegment(snapshot.seq)} for seq ${snapshot.seq}`);
  } else if (
    !new RegExp(`^snapshots/${head.epoch}/${snapshot.seq}-[0-9a-f]{16}\\.ndjson\\.gz$`).test(snapshot.path)
  ) {
    sink.report(
      'snapshot.path',
      `must be snapshots/${head.epoch}/${snapshot.seq}-<16 lowercase hex>.ndjson.gz`,
    );
  }
}

function headError(issue: Issue): ValidationError {
  return new ValidationError(issue.code, issue.message, [issue]);
}
