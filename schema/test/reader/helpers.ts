import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import {
  GENESIS_HASH,
  buildFeedLine,
  chainHash,
  type FeedOp,
  type IndexLine,
} from '../../src/lines/index.js';

/** A valid index line; tests change what they are about. */
export function indexLine(name: string, version: string, overrides: Partial<IndexLine> = {}): IndexLine {
  return {
    v: 1,
    name,
    version,
    deps: {},
    sha256: createHash('sha256').update(`${name}@${version}`).digest('hex'),
    size: 1024,
    description: `The ${name} skill`,
    keywords: ['test'],
    license: 'MIT',
    yanked: false,
    yank_reason: null,
    published: '2024-05-01T12:00:00Z',
    signer: null,
    ...overrides,
  };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface Step {
  op: FeedOp;
  name: string;
  version: string;
  yank_reason?: string;
}

/** A feed built with the lines API, as the registry writes it. */
export interface Feed {
  /** Each line's exact bytes without 0x0A. */
  lines: Buffer[];
  /** hashes[i] is hash(i): hashes[0] is GENESIS_HASH. */
  hashes: string[];
  /** Every line with its 0x0A: one segment when there are ≤ 1,000 lines. */
  bytes: Buffer;
  /** Each skill's shard file after the last line; null once every version is purged. */
  shards: Map<string, Buffer | null>;
  /** Each skill's lines after the last line. */
  state: Map<string, IndexLine[]>;
}

/**
 * Replays steps through buildFeedLine, keeping every skill's state as the registry would.
 * 'unknown' writes a line of an op this version does not know, chained like any other.
 */
export function buildFeed(steps: readonly (Step | 'unknown')[]): Feed {
  const state = new Map<string, IndexLine[]>();
  const shards = new Map<string, Buffer | null>();
  const lines: Buffer[] = [];
  const hashes = [GENESIS_HASH];
  for (const [i, step] of steps.entries()) {
    if (step === 'unknown') {
      const unknown = unknownOpLine(i + 1, hashes[i]!);
      lines.push(unknown.bytes);
      hashes.push(unknown.hash);
      continue;
    }
    const before = state.get(step.name) ?? [];
    const after = afterStep(before, step);
    const built = buildFeedLine({
      seq: i + 1,
      op: step.op,
      name: step.name,
      version: step.version,
      before,
      after,
      prev: hashes[i]!,
    });
    lines.push(built.bytes);
    hashes.push(built.hash);
    state.set(step.name, after);
    shards.set(step.name, built.shard);
  }
  return { lines, hashes, bytes: joinLines(lines), shards, state };
}

function afterStep(before: IndexLine[], step: Step): IndexLine[] {
  switch (step.op) {
    case 'publish':
      return [...before, indexLine(step.name, step.version)];
    case 'purge':
      return before.filter((line) => line.version !== step.version);
    default:
      return before.map((line) =>
        line.version === step.version
          ? {
              ...line,
              yanked: step.op === 'yank',
              yank_reason: step.op === 'yank' ? (step.yank_reason ?? null) : null,
            }
          : line,
      );
  }
}

/** Three skills (1-, 2- and 4+-character names) through publish, yank, unyank and purge. */
export const THREE_SKILLS: readonly Step[] = [
  { op: 'publish', name: 'pdf-tools', version: '1.0.0' },
  { op: 'publish', name: 'ab', version: '0.1.0' },
  { op: 'publish', name: 'pdf-tools', version: '1.1.0' },
  { op: 'publish', name: 'x', version: '2.0.0' },
  { op: 'yank', name: 'pdf-tools', version: '1.1.0', yank_reason: 'broken build' },
  { op: 'publish', name: 'x', version: '2.1.0-beta.1' },
  { op: 'unyank', name: 'pdf-tools', version: '1.1.0' },
  { op: 'purge', name: 'ab', version: '0.1.0' },
  { op: 'yank', name: 'x', version: '2.0.0' },
];

export function threeSkills(): Feed {
  return buildFeed(THREE_SKILLS);
}

/** `count` skills published once each: skill-0001, skill-0002, … */
export function manySkills(count: number): Feed {
  return buildFeed(
    Array.from({ length: count }, (_, i) => ({
      op: 'publish' as const,
      name: `skill-${String(i + 1).padStart(4, '0')}`,
      version: '1.0.0',
    })),
  );
}

export function joinLines(lines: readonly Uint8Array[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => [line, NEWLINE]));
}

const NEWLINE = Buffer.from('\n');

/** The exact bytes of a feed line with an op this version does not know, chained after `prev`. */
export function unknownOpLine(seq: number, prev: string): { bytes: Buffer; hash: string } {
  const bytes = Buffer.from(`{"seq":${seq},"op":"rename","from":"ab","to":"abc","prev":"${prev}"}`);
  return { bytes, hash: chainHash(prev, bytes) };
}

/** One gzip member at level 9, as a snapshot writer would produce it. */
export function gzip(bytes: Uint8Array): Buffer {
  return zlib.gzipSync(bytes, { level: 9 });
}

/** A copy with one byte changed. */
export function flipByte(bytes: Uint8Array, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at] === 0x61 ? 0x62 : 0x61;
  return copy;
}
