import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  ArchiveError,
  ERROR_CODES,
  IndexLineError,
  isSkillsError,
  SkillsError,
  UsageError,
  ValidationError,
} from '../src/errors.js';

describe('errors', () => {
  it('documents every error code in docs/ERRORS.md', async () => {
    const doc = await readFile(new URL('../../docs/ERRORS.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    expect(documented).toEqual(Object.keys(ERROR_CODES));
  });

  it('carries a code, a hint and an exit code', () => {
    const error = new SkillsError('IO', 'disk full', { hint: 'free some space', cause: new Error('ENOSPC') });
    expect(error).toMatchObject({ name: 'SkillsError', code: 'IO', hint: 'free some space', exitCode: 1 });
    expect(error.cause).toBeInstanceOf(Error);
    expect(error.toJSON()).toEqual({ code: 'IO', message: 'disk full', hint: 'free some space' });
    expect(new SkillsError('IO', 'x').toJSON().hint).toBeNull();
  });

  it('exits 2 for usage errors and 1 for the others', () => {
    expect(new UsageError('bad flag')).toMatchObject({ code: 'USAGE', exitCode: 2, name: 'UsageError' });
    expect(new ArchiveError('ARCHIVE_LINK', 'a link').exitCode).toBe(1);
    expect(new IndexLineError('bad line').code).toBe('INDEX_LINE_INVALID');
  });

  it('keeps validation issues as data', () => {
    const issues = [{ path: 'skill.yaml:name', code: 'NAME_INVALID', message: 'bad' }] as const;
    const error = new ValidationError('PACKAGE_INVALID', 'invalid package', issues);
    expect(error.issues).toEqual(issues);
    expect(isSkillsError(error)).toBe(true);
    expect(isSkillsError(new Error('plain'))).toBe(false);
  });
});
