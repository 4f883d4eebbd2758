import type { Writable } from 'node:stream';
import { SkillsError, ValidationError, type Issue } from '@skills/schema';
import { colorsEnabled, makeColors, type Colors, type MaybeTty } from './colors.js';

/** A warning as it appears in the `warnings` array of a JSON result. */
export interface Warning {
  code: string;
  message: string;
  path?: string;
}

/** The `error` member of a JSON failure (DESIGN §6). */
export interface ErrorBody {
  code: string;
  message: string;
  hint: string | null;
  /** The registry API's own problem code (`version_exists`, …) when the registry refused the request. */
  registry_code?: string;
}

/** What a failure looks like once classified: the body to print and the exit code to end with. */
export interface Failure {
  error: ErrorBody;
  exitCode: number;
  issues?: readonly Issue[];
  /** A bug rather than a reported failure: the stack is worth showing under --verbose. */
  internal: boolean;
  stack?: string;
}

export interface ReportOptions {
  json: boolean;
  verbose: boolean;
  stdout: Writable;
  stderr: Writable;
  env: Record<string, string | undefined>;
}

/**
 * The one place a command's output goes through. Humans get result lines on stdout and progress,
 * warnings and errors on stderr; with `--json`, stdout carries exactly one JSON object, written
 * when the command ends with {@link success} or {@link failure}.
 */
export class Report {
  readonly json: boolean;
  readonly verbose: boolean;
  /** Colours for stdout lines. */
  readonly out: Colors;
  /** Colours for stderr lines. */
  readonly err: Colors;
  private readonly stdout: Writable;
  private readonly stderr: Writable;
  private readonly warnings: Warning[] = [];
  private ended = false;

  constructor(options: ReportOptions) {
    this.json = options.json;
    this.verbose = options.verbose;
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.out = makeColors(colorsEnabled(options.stdout as MaybeTty, options.env));
    this.err = makeColors(colorsEnabled(options.stderr as MaybeTty, options.env));
  }

  /** A line of the command's result, for humans (stdout). Silent under --json. */
  result(line = ''): void {
    if (!this.json) this.stdout.write(`${line}\n`);
  }

  /** What the command is doing, or a problem it lists before failing (stderr). Silent under --json. */
  progress(line: string): void {
    if (!this.json) this.stderr.write(`${line}\n`);
  }

  /** A problem that does not stop the command: stderr now, or the `warnings` array under --json. */
  warning(warning: Warning): void {
    this.warnings.push(
      warning.path === undefined ? { code: warning.code, message: warning.message } : { ...warning },
    );
    if (!this.json) {
      const where = warning.path === undefined ? '' : `${warning.path}: `;
      this.stderr.write(`${this.err.yellow('warning')}: ${where}${warning.message}\n`);
    }
  }

  /** Ends a command that worked. Under --json prints `{ok: true, ...fields, warnings}`. */
  success(fields: Record<string, unknown> = {}): number {
    if (this.ended) throw new Error('Assertion failed: the report has already ended');
    this.ended = true;
    if (this.json) this.writeJson({ ok: true, ...fields, warnings: this.warnings });
    return 0;
  }

  /** Ends a command that failed, whatever it threw, and returns the exit code to end with. */
  failure(error: unknown): number {
    const failure = classifyError(error);
    // A failure after success would print a second JSON object; report it on stderr instead.
    const json = this.json && !this.ended;
    this.ended = true;
    if (json) {
      this.writeJson({
        ok: false,
        error: failure.error,
        ...(failure.issues === undefined ? {} : { issues: failure.issues }),
      });
    } else {
      this.stderr.write(`${this.err.red('error')}: ${failure.error.message}\n`);
      if (failure.error.hint !== null) this.stderr.write(`${this.err.cyan('hint')}: ${failure.error.hint}\n`);
    }
    if (failure.internal && this.verbose && failure.stack !== undefined) {
      this.stderr.write(`${this.err.dim(failure.stack)}\n`);
    }
    return failure.exitCode;
  }

  private writeJson(value: Record<string, unknown>): void {
    this.stdout.write(`${JSON.stringify(value)}\n`);
  }
}

/**
 * Sorts any thrown value into the failure the user sees. A SkillsError is a failure we meant to
 * report; Clipanion's own errors are command-line mistakes; a failed system call is an IO failure;
 * anything else is a bug in skills.
 */
export function classifyError(error: unknown): Failure {
  if (error instanceof SkillsError) {
    const registryCode = (error as { registryCode?: unknown }).registryCode;
    const withIssues =
      error instanceof ValidationError && (registryCode === undefined || error.issues.length > 0);
    return {
      error: {
        code: error.code,
        message: error.message,
        hint: error.hint ?? null,
        ...(typeof registryCode === 'string' ? { registry_code: registryCode } : {}),
      },
      exitCode: error.exitCode,
      ...(withIssues ? { issues: (error as ValidationError).issues } : {}),
      internal: false,
    };
  }
  if (isClipanionError(error)) {
    return { error: describeClipanionError(error), exitCode: 2, internal: false };
  }
  if (isSystemError(error)) {
    return {
      error: {
        code: 'IO',
        message: error.message,
        hint: 'check that the path exists and that you may read and write it',
      },
      exitCode: 1,
      internal: false,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    error: {
      code: 'INTERNAL',
      message: `unexpected error: ${message}`,
      hint: 'this is a bug in skills: please report it with the output of the same command run with --verbose',
    },
    exitCode: 1,
    internal: true,
    ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
  };
}

interface ClipanionError extends Error {
  clipanion: { type: string };
}

/** Clipanion marks its parse and usage errors (UsageError, UnknownSyntaxError, …) with `clipanion`. */
export function isClipanionError(error: unknown): error is ClipanionError {
  return error instanceof Error && typeof (error as Partial<ClipanionError>).clipanion === 'object';
}

/** Clipanion writes a reason, a blank line, then usage lines: the reason is the message. */
function describeClipanionError(error: ClipanionError): ErrorBody {
  const [reason = error.message] = error.message.split('\n\n');
  return {
    code: 'USAGE',
    message: reason,
    hint: 'run `skills --help` to see the commands and their options',
  };
}

interface SystemError extends Error {
  code: string;
  syscall: string;
}

function isSystemError(error: unknown): error is SystemError {
  return (
    error instanceof Error &&
    typeof (error as Partial<SystemError>).code === 'string' &&
    typeof (error as Partial<SystemError>).syscall === 'string'
  );
}
