import { describe, expect, it } from 'vitest';
import { headSegment, segmentFileName, segmentOf, segmentPath } from '../../src/lines/index.js';

describe('feed segments', () => {
  it('puts seq 1000k+1 … 1000(k+1) in segment k', () => {
    expect([1, 1000, 1001, 2000, 2001].map(segmentOf)).toEqual([0, 0, 1, 1, 2]);
  });

  it('gives segment 0 for the head of an empty feed', () => {
    expect(headSegment(0)).toBe(0);
    expect(headSegment(1000)).toBe(0);
    expect(headSegment(1001)).toBe(1);
  });

  it('names segments with 8 digits', () => {
    expect(segmentFileName(0)).toBe('00000000.ndjson');
    expect(segmentFileName(42)).toBe('00000042.ndjson');
    expect(segmentFileName(99_999_999)).toBe('99999999.ndjson');
    expect(segmentPath('e1', 3)).toBe('feed/e1/00000003.ndjson');
  });

  it('refuses positions that do not exist', () => {
    expect(() => segmentOf(0)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => segmentOf(1.5)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => segmentFileName(-1)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => segmentFileName(100_000_000)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => segmentPath('../x', 0)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});
