import { UsageError as ClipanionUsageError } from '../src/clipanion.js';
import { SkillsError, UsageError, ValidationError } from '@skills/schema';
import { describe, expect, it } from 'vitest';
import { colorsEnabled, makeColors } from '../src/colors.js';
import { classifyError, Report } from '../src/report.js';
import { capture, onlyJson } from './helpers.js';

function makeReport(
  options: { json?: boolean; verbose?: boolean; tty?: boolean; env?: Record<string, string> } = {},
) {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty);
  const report = new Report({
    json: options.json ?? false,
    verbose: options.verbose ?? false,
    stdout,
    stderr,
    env: options.env ?? {},
  });
  const output = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return { stdout: stdout.text(), stderr: stderr.text() };
  };
  return { report, output };
}

describe('Report', () => {
  it('prints results on stdout and progress and warnings on stderr for humans', async () => {
    const { report, output } = makeReport();
    report.result('the result');
    report.progress('working…');
    report.warning({ path: 'skill.yaml:keywords', code: 'MANIFEST_INVALID', message: 'too many' });
    expect(report.success({ name: 'x' })).toBe(0);
    expect(await output()).toEqual({
      stdout: 'the result\n',
      stderr: 'working…\nwarning: skill.yaml:keywords: too many\n',
    });
  });

  it('prints only one JSON object with ok, the fields and the warnings under --json', async () => {
    const { report, output } = makeReport({ json: true });
    report.result('ignored');
    report.progress('ignored');
    report.warning({ code: 'IO', message: 'slow disk' });
    report.success({ name: 'x', files: [] });
    const { stdout, stderr } = await output();
    expect(stderr).toBe('');
    expect(onlyJson(stdout)).toEqual({
      ok: true,
      name: 'x',
      files: [],
      warnings: [{ code: 'IO', message: 'slow disk' }],
    });
    expect(stdout.startsWith('{"ok":true,')).toBe(true);
  });

  it('prints a SkillsError as "error:" then "hint:" on stderr and returns exit code 1', async () => {
    const { report, output } = makeReport();
    const code = report.failure(new SkillsError('IO', 'cannot read x', { hint: 'check x' }));
    expect(code).toBe(1);
    expect(await output()).toEqual({ stdout: '', stderr: 'error: cannot read x\nhint: check x\n' });
  });

  it('returns exit code 2 for a usage error', () => {
    expect(makeReport().report.failure(new UsageError('bad flag'))).toBe(2);
  });

  it('prints the failure object, with a null hint when there is none, under --json', async () => {
    const { report, output } = makeReport({ json: true });
    report.failure(new SkillsError('IO', 'cannot read x'));
    expect(onlyJson((await output()).stdout)).toEqual({
      ok: false,
      error: { code: 'IO', message: 'cannot read x', hint: null },
    });
  });

  it('adds the issues of a ValidationError to the failure object', async () => {
    const { report, output } = makeReport({ json: true });
    const issues = [{ path: 'SKILL.md', code: 'SKILL_MD_INVALID' as const, message: 'SKILL.md is missing' }];
    report.failure(new ValidationError('PACKAGE_INVALID', 'invalid', issues, { hint: 'fix it' }));
    expect(onlyJson((await output()).stdout)).toEqual({
      ok: false,
      error: { code: 'PACKAGE_INVALID', message: 'invalid', hint: 'fix it' },
      issues,
    });
  });

  it('does not print a second JSON object when a failure follows success', async () => {
    const { report, output } = makeReport({ json: true });
    report.success();
    report.failure(new Error('late'));
    const { stdout, stderr } = await output();
    expect(onlyJson(stdout)).toMatchObject({ ok: true });
    expect(stderr).toContain('error: unexpected error: late');
  });

  it('refuses to end with success twice', () => {
    const { report } = makeReport();
    report.success();
    expect(() => report.success()).toThrow(/already ended/);
  });

  it('colours its labels only on a terminal without NO_COLOR', async () => {
    const tty = makeReport({ tty: true });
    tty.report.failure(new SkillsError('IO', 'x'));
    expect((await tty.output()).stderr).toContain('\u001b[31merror\u001b[39m');

    const noColor = makeReport({ tty: true, env: { NO_COLOR: '1' } });
    noColor.report.failure(new SkillsError('IO', 'x'));
    expect((await noColor.output()).stderr).toBe('error: x\n');
  });
});

describe('classifyError', () => {
  it('treats Clipanion’s usage errors as USAGE with exit code 2', () => {
    expect(classifyError(new ClipanionUsageError('Invalid value for --limit\n\nmore'))).toMatchObject({
      error: { code: 'USAGE', message: 'Invalid value for --limit' },
      exitCode: 2,
      internal: false,
    });
  });

  it('treats a failed system call as IO with exit code 1', () => {
    const error = Object.assign(new Error('EACCES: permission denied, open /x'), {
      code: 'EACCES',
      syscall: 'open',
    });
    expect(classifyError(error)).toMatchObject({
      error: { code: 'IO', message: error.message },
      exitCode: 1,
    });
  });

  it('treats anything else as an INTERNAL bug, keeping the stack', () => {
    expect(classifyError(new TypeError('oops'))).toMatchObject({
      error: { code: 'INTERNAL', message: 'unexpected error: oops' },
      exitCode: 1,
      internal: true,
      stack: expect.stringContaining('TypeError: oops'),
    });
    expect(classifyError('a string')).toMatchObject({
      error: { code: 'INTERNAL', message: 'unexpected error: a string' },
    });
  });
});

describe('colours', () => {
  it('are enabled only for a terminal, and NO_COLOR set to anything but "" turns them off', () => {
    expect(colorsEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorsEnabled({ isTTY: true }, { NO_COLOR: '0' })).toBe(false);
    expect(colorsEnabled({}, {})).toBe(false);
  });

  it('wrap text in ANSI codes only when enabled', () => {
    expect(makeColors(true).bold('x')).toBe('\u001b[1mx\u001b[22m');
    expect(makeColors(false).bold('x')).toBe('x');
  });
});
