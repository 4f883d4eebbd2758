import { describe, expect, it } from 'vitest';
import { Option } from '../src/clipanion.js';
import { BaseCommand, getCli, runExit } from '../src/index.js';
import pkg from '../package.json' with { type: 'json' };
import { capture, onlyJson, run, tempDir } from './helpers.js';

describe('skills (the command line as a whole)', () => {
  it('prints the version from package.json for --version', async () => {
    const result = await run(['--version'], { cwd: await tempDir() });
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('lists every command when run without arguments, and exits 0', async () => {
    const result = await run([], { cwd: await tempDir() });
    expect(result.code).toBe(0);
    for (const command of ['skills init', 'skills validate', 'skills pack'])
      expect(result.stdout).toContain(command);
  });

  it('prints a command’s detailed usage for --help, without colours when stdout is not a terminal', async () => {
    const result = await run(['pack', '--help'], { cwd: await tempDir(), env: {} });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--dry-run');
    expect(result.stdout).toContain('$ skills pack --dry-run');
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('colours the help on a terminal, and not when NO_COLOR is set', async () => {
    const cwd = await tempDir();
    expect((await run(['init', '--help'], { cwd, env: {}, tty: true })).stdout).toContain('\u001b[');
    expect((await run(['init', '--help'], { cwd, env: { NO_COLOR: '1' }, tty: true })).stdout).not.toContain(
      '\u001b[',
    );
  });

  it('exits 2 for an unknown option, naming it on stderr with the command’s usage as the hint', async () => {
    const result = await run(['init', '--frobnicate'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('error: Unsupported option name ("--frobnicate")');
    expect(result.stderr).toMatch(/^hint: usage: skills init .*\[dir\]/m);
  });

  it('prints exactly one failure object with code USAGE for an unknown option under --json', async () => {
    const result = await run(['validate', '--json', '--frobnicate'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: 'Unsupported option name ("--frobnicate")', hint: expect.any(String) },
    });
  });

  it('exits 2 for an option missing its value', async () => {
    const result = await run(['pack', '--out'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: Not enough arguments to option --out');
  });

  it('exits 2 for an extra positional argument', async () => {
    const result = await run(['validate', 'a', 'b', '--json'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: false,
      error: {
        code: 'USAGE',
        message: '"skills validate a b --json" does not match the usage of "skills validate"',
      },
    });
  });

  it('exits 2 for an unknown command and points to --help', async () => {
    const result = await run(['--json', 'frobnicate'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toEqual({
      ok: false,
      error: {
        code: 'USAGE',
        message: 'unknown command "frobnicate"',
        hint: 'run `skills --help` to see the commands',
      },
    });
  });

  it('exits 2 when a required argument is missing', async () => {
    class ProbeCommand extends BaseCommand {
      static override paths = [['probe']];
      skill = Option.String();
      async execute(): Promise<number> {
        return this.report.success({ name: this.skill });
      }
    }
    const cli = getCli();
    cli.register(ProbeCommand);
    const cwd = await tempDir();
    expect(onlyJson((await run(['probe', 'pdf-tools', '--json'], { cwd, cli })).stdout)).toMatchObject({
      ok: true,
    });
    const result = await run(['probe', '--json'], { cwd, cli });
    expect(result.code).toBe(2);
    expect(onlyJson(result.stdout)).toMatchObject({
      ok: false,
      error: { code: 'USAGE', hint: expect.stringContaining('usage: skills probe') },
    });
  });

  it('exits 2 when only options and no command are given', async () => {
    const result = await run(['--verbose'], { cwd: await tempDir() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: no command given');
  });

  it('reports an unexpected exception as INTERNAL, with the stack only under --verbose', async () => {
    class BoomCommand extends BaseCommand {
      static override paths = [['boom']];
      async execute(): Promise<number> {
        throw new Error('kaboom');
      }
    }
    const cli = getCli();
    cli.register(BoomCommand);
    const cwd = await tempDir();

    const plain = await run(['boom'], { cwd, cli });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('error: unexpected error: kaboom');
    expect(plain.stderr).toContain('hint: this is a bug in skills');
    expect(plain.stderr).not.toContain('at BoomCommand.execute');

    const verbose = await run(['boom', '--verbose'], { cwd, cli });
    expect(verbose.stderr).toContain('at BoomCommand.execute');

    const json = await run(['boom', '--json', '--verbose'], { cwd, cli });
    expect(onlyJson(json.stdout)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(json.stderr).toContain('at BoomCommand.execute');
  });

  it('runExit sets process.exitCode to the command’s exit code', async () => {
    const saved = process.exitCode;
    try {
      const stdout = capture();
      const stderr = capture();
      await runExit(['--version'], { stdout, stderr, env: { NO_COLOR: '1' } });
      expect(process.exitCode).toBe(0);
      await runExit(['frobnicate'], { stdout, stderr, env: { NO_COLOR: '1' } });
      expect(process.exitCode).toBe(2);
    } finally {
      process.exitCode = saved;
    }
  });
});

describe('commandsFor (which commands one run registers)', () => {
  it('registers only the commands a command line can mean, and all of them for help or a typo', async () => {
    const { commandsFor, commands } = await import('../src/cli.js');
    const paths = (argv: string[]) =>
      commandsFor(argv)
        .flatMap((command) => command.paths ?? [])
        .map((p) => p.join(' '));
    expect(paths(['registry', 'add', 'x', 'y'])).toEqual([
      'registry list',
      'registry add',
      'registry remove',
      'registry default',
    ]);
    expect(paths(['pack', '--dry-run'])).toEqual(['pack']);
    expect(commandsFor(['--version'])).toEqual([]);
    for (const argv of [[], ['--help'], ['nonsense'], ['--json', 'pack']])
      expect(commandsFor(argv)).toBe(commands);
  });
});
