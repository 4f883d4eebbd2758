import { Builtins, Cli, type ColorFormat, type Command, type CommandClass } from './clipanion.js';
import { printable, UsageError } from '@skills/schema';
import pkg from '../package.json' with { type: 'json' };
import type { SkillsContext } from './base-command.js';
import { colorsEnabled, type MaybeTty } from './colors.js';
import { InitCommand } from './commands/init.js';
import { PackCommand } from './commands/pack.js';
import { RegistryAddCommand } from './commands/registry/add.js';
import { RegistryDefaultCommand } from './commands/registry/default.js';
import { RegistryListCommand } from './commands/registry/list.js';
import { RegistryRemoveCommand } from './commands/registry/remove.js';
import { ValidateCommand } from './commands/validate.js';
import { SyncCommand } from './commands/sync.js';
import { SearchCommand } from './commands/search.js';
import { InfoCommand } from './commands/info.js';
import { InstallCommand } from './commands/install.js';
import { ListCommand } from './commands/list.js';
import { UninstallCommand } from './commands/uninstall.js';
import { UpdateCommand } from './commands/update.js';
import { VerifyCommand } from './commands/verify.js';
import { Report } from './report.js';
import { KeysGenerateCommand } from './commands/keys/generate.js';
import { KeysListCommand } from './commands/keys/list.js';
import { KeysRegisterCommand } from './commands/keys/register.js';
import { KeysRevokeCommand } from './commands/keys/revoke.js';
import { LoginCommand } from './commands/login.js';
import { LogoutCommand } from './commands/logout.js';
import { OwnerAddCommand } from './commands/owner/add.js';
import { OwnerListCommand } from './commands/owner/list.js';
import { OwnerRemoveCommand } from './commands/owner/remove.js';
import { PublishCommand } from './commands/publish.js';
import { SignupCommand } from './commands/signup.js';
import { TokenCreateCommand } from './commands/token/create.js';
import { TokenListCommand } from './commands/token/list.js';
import { TokenRevokeCommand } from './commands/token/revoke.js';
import { WhoamiCommand } from './commands/whoami.js';
import { YankCommand } from './commands/yank.js';

/** Every command of `skills`, in the order `skills --help` lists them. */
export const commands: ReadonlyArray<CommandClass<SkillsContext>> = [
  InitCommand,
  ValidateCommand,
  PackCommand,
  RegistryListCommand,
  RegistryAddCommand,
  RegistryRemoveCommand,
  RegistryDefaultCommand,
  SyncCommand,
  SearchCommand,
  InfoCommand,
  ListCommand,
  InstallCommand,
  UninstallCommand,
  UpdateCommand,
  VerifyCommand,
  SignupCommand,
  LoginCommand,
  LogoutCommand,
  WhoamiCommand,
  TokenCreateCommand,
  TokenListCommand,
  TokenRevokeCommand,
  KeysGenerateCommand,
  KeysListCommand,
  KeysRegisterCommand,
  KeysRevokeCommand,
  PublishCommand,
  YankCommand,
  OwnerListCommand,
  OwnerAddCommand,
  OwnerRemoveCommand,
];

/**
 * Clipanion's `run` prints a command-line mistake (unknown option, missing value) on stdout and
 * returns 1. DESIGN §6 wants exit 2 and, under `--json`, the failure object — so the command line
 * is parsed here first and its errors go through the same report as every other failure.
 */
export class SkillsCli extends Cli<SkillsContext> {
  /** Whether the current run may colour Clipanion's own texts (help, usage). */
  private colored: boolean | undefined;

  override async run(
    input: Command<SkillsContext> | string[],
    context: Partial<SkillsContext> = {},
  ): Promise<number> {
    const env = context.env ?? Cli.defaultContext.env;
    const stdout = context.stdout ?? Cli.defaultContext.stdout;
    this.colored = colorsEnabled(stdout as MaybeTty, env);
    const full: SkillsContext = {
      ...Cli.defaultContext,
      ...context,
      cwd: context.cwd ?? process.cwd(),
      colorDepth: this.colored ? (context.colorDepth ?? Cli.defaultContext.colorDepth) : 1,
    };
    if (!Array.isArray(input)) return super.run(input, full);
    if (input.length === 0) {
      full.stdout.write(this.usage(null));
      return 0;
    }
    let command: Command<SkillsContext>;
    try {
      command = this.process(input, full);
    } catch (error) {
      const report = new Report({
        json: optionGiven(input, '--json'),
        verbose: optionGiven(input, '--verbose'),
        stdout: full.stdout,
        stderr: full.stderr,
        env: full.env,
      });
      return report.failure(this.commandLineError(error, input));
    }
    return super.run(command, full);
  }

  /**
   * Clipanion's built-in help ignores the run's context when it picks colours (it asks the
   * terminal type, not whether stdout is one), so the choice made in `run` applies here.
   */
  override format(colored?: boolean): ColorFormat {
    return super.format(colored ?? this.colored);
  }

  /** Turns Clipanion's parse errors, written for a terminal, into one message and one hint. */
  private commandLineError(error: unknown, input: readonly string[]): unknown {
    if (!(error instanceof Error) || !['UnknownSyntaxError', 'AmbiguousSyntaxError'].includes(error.name)) {
      return error;
    }
    const first = input.find((token) => !token.startsWith('-'));
    const known = new Set(
      [...this.registrations.keys()].flatMap((klass) => klass.paths ?? []).map((p) => p[0]),
    );
    if (first !== undefined && !known.has(first)) {
      return new UsageError(`unknown command "${printable(first)}"`, {
        hint: 'run `skills --help` to see the commands',
      });
    }
    const details = error as Error & { candidates?: Array<{ usage: string; reason: string | null }> };
    const candidates = (details.candidates ?? []).filter(
      (c) => first === undefined || c.usage.startsWith(`skills ${first}`),
    );
    const usages = [...new Set(candidates.map((c) => c.usage))];
    const reasons = [...new Set(candidates.map((c) => c.reason))];
    const [reason] = reasons;
    const shown = printable(`skills ${input.join(' ')}`, 200);
    const message =
      first === undefined
        ? 'no command given'
        : reasons.length === 1 && typeof reason === 'string'
          ? reason.replace(/\.$/, '')
          : `"${shown}" does not match the usage of "skills ${first}"`;
    const hint =
      usages.length === 1
        ? `usage: ${usages[0]} (see \`skills ${first} --help\`)`
        : 'run `skills --help` to see the commands and their options';
    return new UsageError(message, { hint });
  }
}

/** Whether a flag appears before `--`, for reporting a command line Clipanion could not parse. */
function optionGiven(argv: readonly string[], flag: string): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes(flag);
}

/**
 * Builds the CLI without running it (tests and embedders): every command, or only `registered`.
 */
export function getCli(registered: ReadonlyArray<CommandClass<SkillsContext>> = commands): SkillsCli {
  const cli = new SkillsCli({
    binaryLabel: 'skills — the package manager for AI-agent skills',
    binaryName: 'skills',
    binaryVersion: pkg.version,
  });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of registered) cli.register(command);
  return cli;
}

/**
 * The commands a command line can mean: those whose first path segment is its first word. Clipanion
 * compiles one state machine over every registered command on each run (~12 ms with all of them
 * here), and `skills search` should not pay for forty others. A line whose first word names no
 * command, or none at all (`skills`, `skills --help`), gets them all, so help and "unknown command"
 * see the whole CLI.
 */
export function commandsFor(argv: readonly string[]): ReadonlyArray<CommandClass<SkillsContext>> {
  const first = argv.find((token) => !token.startsWith('-'));
  if (first === undefined || argv[0] !== first)
    return argv.length === 1 && isVersionFlag(argv[0]) ? [] : commands;
  const matching = commands.filter((command) => (command.paths ?? []).some((path) => path[0] === first));
  return matching.length === 0 ? commands : matching;
}

function isVersionFlag(token: string | undefined): boolean {
  return token === '--version' || token === '-v';
}

/** Runs the CLI on `argv` and sets `process.exitCode`; the bundle's entry point calls it. */
export async function runExit(argv: string[], context: Partial<SkillsContext> = {}): Promise<void> {
  // Failing until the run ends: if the event loop empties first, the process must not exit 0.
  process.exitCode = 1;
  try {
    process.exitCode = await getCli(commandsFor(argv)).run(argv, context);
  } catch (error) {
    const stderr = context.stderr ?? Cli.defaultContext.stderr;
    stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
