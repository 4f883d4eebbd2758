import { readTextIfExists } from '../fs/read.js';
import { isFingerprint, SkillsError } from '@skills/schema';
import { writeJsonAtomic } from '../fs/atomic.js';

/** How a registry's index is read (DESIGN §6 Registry identity). */
export type Transport = 'http' | 'git' | 'local';

/** One configured registry, as `skills registry add` recorded it. */
export interface RegistryRecord {
  /** Where it was added from, normalised: a URL, or an absolute path for a local index. */
  location: string;
  transport: Transport;
  /** Where config.json was found: the index root URL (ending in `/`), the git URL, or the folder. */
  index: string;
  /** config.json's `url`: the identity recorded in index.json and the lock (null for git/local indexes without one). */
  url: string | null;
  /** config.json's `api` when it was added (null: read-only); the pinned value lives in state/. */
  api: string | null;
  /** Plain http was allowed for this non-loopback registry with `--allow-http`. */
  allowHttp: boolean;
}

/** A stored API token, per API origin (DESIGN §6: sent only there). */
export interface Credential {
  token: string;
  username: string | null;
  /** The token's id on the registry, so `skills logout` can revoke it. */
  tokenId: string | null;
  /** When the registry said the token expires (ISO 8601); absent for tokens stored before it was kept. */
  expiresAt?: string | null;
}

/** `$SKILLS_HOME/config.json` (mode 0600: it holds API tokens). */
export interface CliConfig {
  version: 1;
  /** The registry commands use without `--registry`; the first one added becomes it. */
  defaultRegistry: string | null;
  registries: Record<string, RegistryRecord>;
  /** By API origin (`https://host[:port]`). */
  credentials: Record<string, Credential>;
  /** Agents installs link skills into (`claude`, `agents`, `roundtable`); none by default. */
  agents: string[];
  /** A catalog older than this is synced before `skills search` (seconds; default 3600). */
  syncMaxAgeSeconds: number;
  /**
   * The fingerprint of the key under `$SKILLS_HOME/keys/` that `skills publish` signs with
   * (`skills keys generate` sets it when none is set, `skills keys register` sets it to the key it
   * registered); null until there is one.
   */
  signingKey: string | null;
}

export const DEFAULT_SYNC_MAX_AGE_SECONDS = 3600;

export function emptyConfig(): CliConfig {
  return {
    version: 1,
    defaultRegistry: null,
    registries: {},
    credentials: {},
    agents: [],
    syncMaxAgeSeconds: DEFAULT_SYNC_MAX_AGE_SECONDS,
    signingKey: null,
  };
}

/** Registry names: they appear in `SKILLS_REGISTRIES_<NAME>_TOKEN`, so they are kept simple. */
export const REGISTRY_NAME = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const CONFIG_HINT = (file: string): string =>
  `fix or delete ${file} (deleting it forgets your registries and logins)`;

/** Reads config.json; a missing file is an empty config, a broken one an error (never overwritten). */
export async function readConfig(file: string): Promise<CliConfig> {
  const text = await readTextIfExists(file);
  if (text === null) return emptyConfig();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SkillsError('CONFIG_INVALID', `${file} is not valid JSON: ${(error as Error).message}`, {
      hint: CONFIG_HINT(file),
      cause: error,
    });
  }
  const problem = configProblem(value);
  if (problem !== null) {
    throw new SkillsError('CONFIG_INVALID', `${file} is not a skills config: ${problem}`, {
      hint: CONFIG_HINT(file),
    });
  }
  return { ...emptyConfig(), ...(value as Partial<CliConfig>) } as CliConfig;
}

/** Writes config.json atomically with mode 0600. */
export async function writeConfig(file: string, config: CliConfig): Promise<void> {
  await writeJsonAtomic(file, config, { mode: 0o600 });
}

function configProblem(value: unknown): string | null {
  if (!isObject(value)) return 'it is not a JSON object';
  if (value['version'] !== 1) return '"version" must be 1';
  const registries = value['registries'] ?? {};
  if (!isObject(registries)) return '"registries" must be an object';
  for (const [name, record] of Object.entries(registries)) {
    if (!REGISTRY_NAME.test(name)) return `"${name}" is not a valid registry name`;
    const problem = recordProblem(record);
    if (problem !== null) return `registries.${name}: ${problem}`;
  }
  const fallback = value['defaultRegistry'] ?? null;
  if (fallback !== null && (typeof fallback !== 'string' || !(fallback in registries)))
    return '"defaultRegistry" must name a configured registry or be null';
  const credentials = value['credentials'] ?? {};
  if (!isObject(credentials)) return '"credentials" must be an object';
  for (const [origin, credential] of Object.entries(credentials)) {
    if (!isObject(credential) || typeof credential['token'] !== 'string')
      return `credentials.${origin} must hold a "token" string`;
    for (const key of ['username', 'tokenId', 'expiresAt'] as const) {
      const member = credential[key];
      if (member !== undefined && member !== null && typeof member !== 'string')
        return `credentials.${origin}.${key} must be a string or null`;
    }
  }
  const agents = value['agents'] ?? [];
  if (!Array.isArray(agents) || agents.some((agent) => typeof agent !== 'string'))
    return '"agents" must be a list of agent names';
  const age = value['syncMaxAgeSeconds'] ?? DEFAULT_SYNC_MAX_AGE_SECONDS;
  if (typeof age !== 'number' || !Number.isSafeInteger(age) || age < 0)
    return '"syncMaxAgeSeconds" must be a whole number of seconds';
  const signingKey = value['signingKey'] ?? null;
  if (signingKey !== null && !isFingerprint(signingKey))
    return '"signingKey" must be a key fingerprint (40 uppercase hex digits) or null';
  return null;
}

function recordProblem(record: unknown): string | null {
  if (!isObject(record)) return 'not an object';
  for (const key of ['location', 'index'] as const)
    if (typeof record[key] !== 'string') return `"${key}" must be a string`;
  if (!['http', 'git', 'local'].includes(record['transport'] as string))
    return '"transport" must be http, git or local';
  for (const key of ['url', 'api'] as const)
    if (record[key] !== null && typeof record[key] !== 'string') return `"${key}" must be a string or null`;
  if (typeof record['allowHttp'] !== 'boolean') return '"allowHttp" must be true or false';
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
