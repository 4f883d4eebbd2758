import { HttpClient } from './http/client.js';
import { readConfig, writeConfig, type CliConfig, type RegistryRecord } from './home/config.js';
import { withHomeLock } from './home/lock.js';
import { homePaths, skillsHomeDir, type Env, type HomePaths } from './home/paths.js';
import { tokenLookup } from './registry/credentials.js';

export interface SessionOptions {
  env: Env;
  cwd: string;
  /** Told when the command waits for another skills process to release the home. */
  onLockWait?: (holder: { pid: number }) => void;
}

/**
 * What one command run works with: its environment, the global skills home, the config and one
 * HTTP client. Created lazily by BaseCommand and closed when the command ends, so tests run many
 * commands in one process without sharing state through globals.
 */
export class Session {
  readonly env: Env;
  readonly cwd: string;
  /** The global home, `$SKILLS_HOME` (default `~/.skills`). */
  readonly home: HomePaths;
  /** The registry this command uses, once chosen (registry/select.ts): SKILLS_TOKEN applies to it. */
  selected: { name: string | null; record: RegistryRecord } | null = null;
  #http: HttpClient | undefined;
  #config: Promise<CliConfig> | undefined;
  readonly #onLockWait: ((holder: { pid: number }) => void) | undefined;
  #lockDepth = 0;

  constructor(options: SessionOptions) {
    this.env = options.env;
    this.cwd = options.cwd;
    this.home = homePaths(skillsHomeDir(options.env, options.cwd));
    this.#onLockWait = options.onLockWait;
  }

  get http(): HttpClient {
    this.#http ??= new HttpClient(this.env);
    return this.#http;
  }

  /** config.json as last read or written by this session. */
  config(): Promise<CliConfig> {
    this.#config ??= readConfig(this.home.config);
    return this.#config;
  }

  /**
   * Changes config.json under the home lock: reads it afresh (another process may have changed
   * it since), applies `change`, writes it atomically with mode 0600.
   */
  async updateConfig<T>(change: (config: CliConfig) => T | Promise<T>): Promise<T> {
    return this.withLock(async () => {
      const config = await readConfig(this.home.config);
      const result = await change(config);
      await writeConfig(this.home.config, config);
      this.#config = Promise.resolve(config);
      return result;
    });
  }

  /** Which token to send to an origin (DESIGN §6 credentials), for the transports and the API. */
  async tokenLookup(): Promise<(origin: string) => string | null> {
    return tokenLookup(await this.config(), this.env, this.selected);
  }

  /**
   * Runs `fn` holding the global home's lock (every change to a home goes through it). Re-entrant
   * within this session: a command that holds the lock (install) may call code that takes it
   * again (a sync before reading the index) without waiting for itself.
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#lockDepth > 0) return fn();
    return withHomeLock(
      this.home.lock,
      async () => {
        this.#lockDepth++;
        try {
          return await fn();
        } finally {
          this.#lockDepth--;
        }
      },
      this.#onLockWait ? { onWait: this.#onLockWait } : {},
    );
  }

  async close(): Promise<void> {
    await this.#http?.close();
  }
}
