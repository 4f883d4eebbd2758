import path from 'node:path';
import { Command, Option, type BaseContext } from './clipanion.js';
import { Report } from './report.js';
import { Session } from './session.js';

/** Clipanion's context plus the working directory, so tests and embedders need not chdir. */
export interface SkillsContext extends BaseContext {
  /** Relative paths on the command line resolve against this; defaults to `process.cwd()`. */
  cwd?: string;
}

/** The options every command takes (DESIGN §6) and the report its output goes through. */
export abstract class BaseCommand extends Command<SkillsContext> {
  json = Option.Boolean('--json', false, {
    description: 'Print exactly one JSON object on stdout instead of text',
  });

  verbose = Option.Boolean('--verbose', false, {
    description: 'Print more detail, and the stack trace of unexpected errors',
  });

  registry = Option.String('--registry', {
    description: 'The registry to use: the name of a configured registry, or its URL',
  });

  private reportInstance: Report | undefined;
  private sessionInstance: Session | undefined;

  /** Created on first use: the options are only known once Clipanion has parsed the command line. */
  protected get report(): Report {
    this.reportInstance ??= new Report({
      json: this.json,
      verbose: this.verbose,
      stdout: this.context.stdout,
      stderr: this.context.stderr,
      env: this.context.env,
    });
    return this.reportInstance;
  }

  /** The home, config and HTTP client of this run; created on first use, closed when it ends. */
  protected get session(): Session {
    this.sessionInstance ??= new Session({
      env: this.context.env,
      cwd: this.context.cwd ?? process.cwd(),
      onLockWait: ({ pid }) =>
        this.report.progress(`waiting for another skills process (pid ${pid}) to finish…`),
    });
    return this.sessionInstance;
  }

  /** A path from the command line, made absolute against the context's working directory. */
  protected resolvePath(value: string | undefined): string {
    return path.resolve(this.context.cwd ?? process.cwd(), value ?? '.');
  }

  /**
   * Every failure a command throws ends here, so it is reported once, in the requested format, with
   * its own exit code. (Clipanion's `catch()` hook cannot choose the exit code: its result is 0.)
   */
  override async validateAndExecute(): Promise<number> {
    try {
      return await super.validateAndExecute();
    } catch (error) {
      return this.report.failure(error);
    } finally {
      await this.sessionInstance?.close();
    }
  }
}
