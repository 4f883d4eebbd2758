import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  GENESIS_HASH,
  buildFeedLine,
  headSegment,
  indexPath,
  jsonString,
  latestOf,
  parseFeedHead,
  parseFeedLine,
  parseIndexConfig,
  parseSnapshotLine,
  segmentPath,
  serializeFeedHead,
  serializeIndexConfig,
  serializeSnapshotLine,
  shardPrefix,
  type BuiltFeedLine,
  type FeedOp,
  type IndexConfig,
  type IndexLine,
} from '../src/lines/index.js';
import { isValidRange, satisfies } from '../src/version.js';
import { sampleLine } from './lines/helpers.js';

/*
 * docs/INDEX_FORMAT.md is written for third parties; its worked example must be what the code
 * produces. This test recomputes the example and checks that the document shows every value
 * verbatim, so neither can drift without the other.
 */

const DOC = readFileSync(fileURLToPath(new URL('../../docs/INDEX_FORMAT.md', import.meta.url)), 'utf8');

const EPOCH = '2025-01-10';
const SIGNER = '3F2A9C4E1B7D5A6F8E0C2B4D6F8A1C3E5B7D9F01';

const CONFIG: IndexConfig = {
  format: 1,
  epoch: EPOCH,
  name: 'Example Registry',
  url: 'https://skills.example.com/index/',
  dl: 'https://skills.example.com/dl/{prefix}/{name}/{name}-{version}.tgz',
  sig: null,
  api: 'https://skills.example.com/api/v1',
  signing_key: 'C0FFEE0123456789ABCDEF0123456789ABCDEF01',
  auth_required: false,
};

const REVIEW_100: IndexLine = {
  v: 1,
  name: 'code-review',
  version: '1.0.0',
  deps: {},
  sha256: '1'.repeat(64),
  size: 4821,
  description: 'Reviews a diff \u2014 style, bugs and tests.',
  keywords: ['review', 'quality'],
  license: 'MIT',
  yanked: false,
  yank_reason: null,
  published: '2025-01-10T09:00:00Z',
  signer: SIGNER,
};
const REVIEW_110: IndexLine = {
  ...REVIEW_100,
  version: '1.1.0',
  sha256: '2'.repeat(64),
  size: 5012,
  published: '2025-02-03T14:30:00Z',
};
const REVIEW_110_YANKED: IndexLine = { ...REVIEW_110, yanked: true, yank_reason: 'Breaks "review --fix"' };
const GIT_100: IndexLine = {
  v: 1,
  name: 'git',
  version: '1.0.0',
  deps: { 'code-review': '^1.0.0' },
  sha256: '3'.repeat(64),
  size: 2210,
  description: 'Git workflows: branches, commits, pull requests.',
  keywords: ['git', 'workflow'],
  license: 'Apache-2.0',
  yanked: false,
  yank_reason: null,
  published: '2025-02-05T08:15:00Z',
  signer: SIGNER,
};

const CHANGES: { op: FeedOp; name: string; version: string; before: IndexLine[]; after: IndexLine[] }[] = [
  { op: 'publish', name: 'code-review', version: '1.0.0', before: [], after: [REVIEW_100] },
  {
    op: 'publish',
    name: 'code-review',
    version: '1.1.0',
    before: [REVIEW_100],
    after: [REVIEW_100, REVIEW_110],
  },
  {
    op: 'yank',
    name: 'code-review',
    version: '1.1.0',
    before: [REVIEW_100, REVIEW_110],
    after: [REVIEW_100, REVIEW_110_YANKED],
  },
  { op: 'publish', name: 'git', version: '1.0.0', before: [], after: [GIT_100] },
];

function buildExample(): BuiltFeedLine[] {
  let prev = GENESIS_HASH;
  return CHANGES.map((change, i) => {
    const built = buildFeedLine({ ...change, seq: i + 1, prev });
    prev = built.hash;
    return built;
  });
}

const FEED = buildExample();
const NEWLINE = Buffer.from('\n');
const SEGMENT = Buffer.concat(FEED.flatMap((line) => [line.bytes, NEWLINE]));
const HEAD = serializeFeedHead({
  format: 1,
  epoch: EPOCH,
  seq: FEED.length,
  segment: 0,
  offset: SEGMENT.length,
  hash: FEED.at(-1)!.hash,
  snapshot: null,
  time: '2025-02-05T08:15:02Z',
  expires: null,
});

/** The text as it must appear in a fenced code block: on its own lines. */
function block(text: string): string {
  return `\n${text.endsWith('\n') ? text : `${text}\n`}\`\`\`\n`;
}

function text(bytes: Buffer): string {
  return bytes.toString('latin1');
}

describe('docs/INDEX_FORMAT.md worked example', () => {
  it('shows config.json as the code writes it', () => {
    expect(DOC).toContain(block(text(serializeIndexConfig(CONFIG))));
  });

  it('shows every feed line verbatim, each in its own block', () => {
    for (const line of FEED) {
      expect(DOC).toContain(block(text(line.bytes)));
      expect(parseFeedLine(line.bytes).known).toBe(true);
    }
  });

  it('gives the byte lengths the code produces', () => {
    expect(DOC).toContain(`The line is ${FEED[0]!.bytes.length} bytes long (without its 0x0A)`);
    expect(DOC).toContain(`(one line, ${FEED[0]!.shard!.length} bytes with its 0x0A)`);
    expect(DOC).toContain(FEED.map((line) => line.bytes.length + 1).join(' + '));
  });

  it('omits latest exactly where the code does', () => {
    expect(FEED.map((line) => text(line.bytes).includes('"latest":'))).toEqual([false, false, true, false]);
  });

  it('shows every chain hash, and the formula it gives reproduces them', () => {
    let prev = GENESIS_HASH;
    for (const line of FEED) {
      const hash = createHash('sha256')
        .update(Buffer.concat([Buffer.from(`${prev}\n`, 'latin1'), line.bytes]))
        .digest('hex');
      expect(hash).toBe(line.hash);
      expect(DOC).toContain(`\`${line.hash}\``);
      expect(DOC).toContain(`"prev":"${prev}"`);
      prev = hash;
    }
    expect(DOC).toContain(GENESIS_HASH);
  });

  it('shows every shard file and its sha256 as the file digest', () => {
    for (const line of FEED) {
      const shard = line.shard!;
      expect(DOC).toContain(block(text(shard)));
      const digest = createHash('sha256').update(shard).digest('hex');
      expect(line.line.file).toBe(digest);
      expect(DOC).toContain(`\`${digest}\``);
    }
    expect(DOC).toContain(`\`${indexPath('code-review')}\``);
    expect(DOC).toContain(`\`${indexPath('git')}\``);
  });

  it('shows the segment and head.json', () => {
    expect(DOC).toContain(`\`${segmentPath(EPOCH, 0)}\``);
    expect(DOC).toContain(block(text(SEGMENT)));
    expect(DOC).toContain(`= ${SEGMENT.length} bytes`);
    expect(DOC).toContain(block(text(HEAD)));
    expect(parseFeedHead(HEAD).offset).toBe(SEGMENT.length);
  });

  it('gives the resume range of a client at seq 2', () => {
    const offset = FEED[0]!.bytes.length + 1 + FEED[1]!.bytes.length + 1;
    expect(DOC).toContain(`segment 0, offset ${offset} and hash(2)`);
    expect(DOC).toContain(`\`Range: bytes=${offset}-${SEGMENT.length - 1}\``);
  });

  it('shows the snapshot lines of the final state', () => {
    const lines = [
      serializeSnapshotLine({ name: 'code-review', seq: 3, file: FEED[2]!.line.file, latest: REVIEW_100 }),
      serializeSnapshotLine({ name: 'git', seq: 4, file: FEED[3]!.line.file, latest: GIT_100 }),
    ];
    expect(DOC).toContain(block(lines.map(text).join('\n')));
    for (const line of lines) expect(() => parseSnapshotLine(line)).not.toThrow();
    expect(DOC).toContain(`"hash":"${FEED[3]!.hash}","path":"snapshots/${EPOCH}/4-<16 hex>.ndjson.gz"`);
  });

  it('fills the dl template as the config in the example says', () => {
    const url = CONFIG.dl
      .replaceAll('{prefix}', shardPrefix('code-review'))
      .replaceAll('{name}', 'code-review')
      .replaceAll('{version}', '1.0.0');
    expect(DOC).toContain(`\`${url}\``);
  });
});

describe('docs/INDEX_FORMAT.md rules', () => {
  it('gives the shard paths the code computes', () => {
    for (const name of ['a', 'go', 'git', 'a-b', 'lint', 'code-review', 'pdf-tools']) {
      expect(DOC).toContain(`\`${name}\` → \`${indexPath(name)}\``);
    }
  });

  it('gives the head segment of the boundary example', () => {
    for (const seq of [999, 1000, 1001]) expect(DOC).toContain(`| ${seq} | ${headSegment(seq)} |`);
  });

  it('shows string escapes as the code writes them', () => {
    const cases: [string, string][] = [
      ['\n', '\\u000a'],
      ['\t', '\\u0009'],
      ['\u007f', '\\u007f'],
      ['é', '\\u00e9'],
      ['\u2014', '\\u2014'],
      ['\u2028', '\\u2028'],
      ['😀', '\\ud83d\\ude00'],
      ['"', '\\"'],
      ['\\', '\\\\'],
    ];
    for (const [input, escaped] of cases) {
      expect(jsonString(input)).toBe(`"${escaped}"`);
      expect(DOC).toContain(`\`${escaped}\``);
    }
    expect(jsonString('/')).toBe('"/"');
  });

  it('states the latest rule the code applies', () => {
    const release = sampleLine({ version: '1.0.0' });
    const beta = sampleLine({ version: '2.0.0-beta.1' });
    expect(latestOf([release, beta])?.version).toBe('1.0.0');
    expect(latestOf([{ ...release, yanked: true }, beta])?.version).toBe('2.0.0-beta.1');
    expect(
      latestOf([
        { ...release, yanked: true },
        { ...beta, yanked: true },
      ])?.version,
    ).toBe('1.0.0');
    expect(latestOf([])).toBeNull();
    expect(DOC).toContain('(`1.0.0` is latest over `2.0.0-beta.1`');
  });

  it('classifies the template examples as the code does', () => {
    const withDl = (dl: string): string => JSON.stringify({ ...CONFIG, dl });
    expect(() => parseIndexConfig(withDl('tarballs/{sha256}'))).not.toThrow();
    for (const dl of ['dl/{sha256}', '{prefix}/{name}/{version}.tgz', '%2e%2e/x/{sha256}']) {
      expect(() => parseIndexConfig(withDl(dl))).toThrow(
        expect.objectContaining({ code: 'INDEX_CONFIG_INVALID' }),
      );
      expect(DOC).toContain(`\`${dl}\``);
    }
  });

  it('gives range examples that behave as documented', () => {
    expect(satisfies('1.2.0-beta.3', '^1.2.0-beta.1')).toBe(true);
    expect(satisfies('1.3.0-rc.1', '^1.0.0')).toBe(false);
    expect(satisfies('0.2.9', '^0.2.3')).toBe(true);
    expect(satisfies('0.3.0', '^0.2.3')).toBe(false);
    expect(satisfies('1.2.9', '~1.2.3')).toBe(true);
    expect(satisfies('1.3.0', '~1.2.3')).toBe(false);
    for (const range of ['v1.2.3', '1.2.3+build']) {
      expect(isValidRange(range)).toBe(true);
      expect(DOC).toContain(`\`${range}\``);
    }
    for (const range of ['01.2.3', '1.2.3beta', '']) {
      expect(isValidRange(range)).toBe(false);
      if (range !== '') expect(DOC).toContain(`\`${range}\``);
    }
    for (const range of ['>=1.0.0 <2.0.0 || >=3.0.0', '1.x', '1.2.*', '*', '1.0.0 - 2.0.0']) {
      expect(isValidRange(range)).toBe(true);
      expect(DOC).toContain(`\`${range}\``);
    }
    expect(isValidRange('x'.repeat(129))).toBe(false);
  });
});
