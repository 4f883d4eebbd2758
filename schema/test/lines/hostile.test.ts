import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSkillsError } from '../../src/errors.js';
import {
  parseFeedHead,
  parseFeedLine,
  parseIndexConfig,
  parseSnapshotLine,
  tryParseIndexLine,
} from '../../src/lines/index.js';
import { sampleLine } from './helpers.js';

/** Objects with the format's own keys, each holding any JSON value or left out. */
function shaped(keys: string[]): fc.Arbitrary<string> {
  const value = fc.jsonValue({ maxDepth: 3 });
  return fc
    .record(Object.fromEntries(keys.map((key) => [key, value])), { requiredKeys: [] })
    .map((object) => JSON.stringify(object));
}

/** Runs a parser on hostile input: it may refuse, but only with a SkillsError. */
function refusesCleanly(parse: (text: string) => unknown, text: string): void {
  try {
    parse(text);
  } catch (error) {
    if (!isSkillsError(error)) throw error;
  }
}

const LINE_KEYS = Object.keys(sampleLine());
const FEED_KEYS = ['seq', 'op', 'name', 'version', 'entry', 'latest', 'file', 'prev'];

describe('hostile input', () => {
  it('an index line missing any one field is refused, naming that field', () => {
    for (const key of LINE_KEYS) {
      const object: Record<string, unknown> = { ...sampleLine() };
      delete object[key];
      expect(tryParseIndexLine(JSON.stringify(object)).issue?.path).toBe(key);
    }
  });

  it('never makes the index line reader throw', () => {
    fc.assert(fc.property(fc.oneof(shaped(LINE_KEYS), fc.string()), (text) => void tryParseIndexLine(text)));
  });

  it('makes the other readers refuse only with their own errors', () => {
    const op = fc.constantFrom('publish', 'yank', 'unyank', 'purge', 'other');
    const feed = fc.tuple(shaped(FEED_KEYS), op).map(([text, o]) => text.replace(/^\{/, `{"op":"${o}",`));
    fc.assert(fc.property(feed, (text) => refusesCleanly(parseFeedLine, text)));
    fc.assert(
      fc.property(shaped(['name', 'seq', 'file', 'latest']), (text) =>
        refusesCleanly(parseSnapshotLine, text),
      ),
    );
    const headKeys = ['format', 'epoch', 'seq', 'segment', 'offset', 'hash', 'snapshot', 'time', 'expires'];
    fc.assert(fc.property(shaped(headKeys), (text) => refusesCleanly(parseFeedHead, text)));
    const configKeys = ['format', 'epoch', 'name', 'url', 'dl', 'sig', 'api', 'signing_key', 'auth_required'];
    fc.assert(fc.property(shaped(configKeys), (text) => refusesCleanly(parseIndexConfig, text)));
  });
});
