import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_LIMITS, type ArchiveLimits } from '@skills/schema/archive';
import { RATE_LIMITS, type RateLimits } from './rate-limit.js';

/** Everything the registry is configured by (DESIGN §5): flags override environment variables. */
export interface RegistryConfig {
  dataDir: string;
  /** null: the embedded PGlite database in `<dataDir>/db`. */
  databaseUrl: string | null;
  host: string;
  port: number;
  /** The absolute base URL clients use (config.json's URLs); derived from host and port when unset. */
  publicUrl: string | null;
  jwtSecret: string;
  /** How many proxies in front of the registry to trust for the client address. */
  trustProxy: number;
  allowSignup: boolean;
  tls: { cert: string; key: string } | null;
  archiveLimits: ArchiveLimits;
  /** Token buckets (DESIGN §5 Limits); SKILLS_RATE_LIMITS overrides any of them. */
  rateLimits: RateLimits;
}

export interface ConfigInput {
  env?: NodeJS.ProcessEnv;
  dataDir?: string;
  databaseUrl?: string;
  host?: string;
  port?: number;
  publicUrl?: string;
  trustProxy?: number;
  allowSignup?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

export class ConfigError extends Error {}

/**
 * Resolves the configuration. With DATABASE_URL the JWT secret must be given (several servers
 * share it); on the embedded database it is generated once into the data dir.
 */
export async function loadConfig(input: ConfigInput = {}): Promise<RegistryConfig> {
  const env = input.env ?? process.env;
  const dataDir = path.resolve(input.dataDir ?? env.SKILLS_DATA_DIR ?? '.data');
  const databaseUrl = input.databaseUrl ?? (env.DATABASE_URL || null);
  const port = input.port ?? numberFrom(env.PORT, 'PORT') ?? 8080;
  const trustProxy = input.trustProxy ?? numberFrom(env.SKILLS_TRUST_PROXY, 'SKILLS_TRUST_PROXY') ?? 0;
  let jwtSecret = env.SKILLS_JWT_SECRET ?? null;
  if (jwtSecret === null) {
    if (databaseUrl !== null)
      throw new ConfigError('SKILLS_JWT_SECRET is required with DATABASE_URL: every server must share it');
    jwtSecret = await generatedSecret(dataDir);
  }
  if (jwtSecret.length < 32) throw new ConfigError('SKILLS_JWT_SECRET must be at least 32 characters');
  if ((input.tlsCert === undefined) !== (input.tlsKey === undefined)) {
    throw new ConfigError('HTTPS needs both a certificate and a key');
  }
  return {
    dataDir,
    databaseUrl,
    host: input.host ?? env.HOST ?? '127.0.0.1',
    port,
    publicUrl: input.publicUrl ?? (env.SKILLS_PUBLIC_URL || null),
    jwtSecret,
    trustProxy,
    allowSignup: input.allowSignup ?? databaseUrl === null,
    tls: input.tlsCert && input.tlsKey ? { cert: input.tlsCert, key: input.tlsKey } : null,
    archiveLimits: DEFAULT_LIMITS,
    rateLimits: rateLimitsFrom(env.SKILLS_RATE_LIMITS),
  };
}

/**
 * `SKILLS_RATE_LIMITS` is JSON naming the buckets to change, e.g.
 * `{"newName":{"burst":20,"perMinute":2}}`; the others keep their defaults.
 */
function rateLimitsFrom(value: string | undefined): RateLimits {
  const limits: RateLimits = { ...RATE_LIMITS };
  if (value === undefined || value === '') return limits;
  let given: unknown;
  try {
    given = JSON.parse(value);
  } catch {
    throw new ConfigError('SKILLS_RATE_LIMITS must be JSON, e.g. {"newName":{"burst":20,"perMinute":2}}');
  }
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new ConfigError('SKILLS_RATE_LIMITS must be a JSON object of buckets');
  }
  for (const [name, bucket] of Object.entries(given)) {
    if (!(name in RATE_LIMITS)) {
      throw new ConfigError(
        `SKILLS_RATE_LIMITS names no bucket "${name}"; known: ${Object.keys(RATE_LIMITS).join(', ')}`,
      );
    }
    const { burst, perMinute } = (bucket ?? {}) as { burst?: unknown; perMinute?: unknown };
    if (typeof burst !== 'number' || !(burst >= 1) || typeof perMinute !== 'number' || !(perMinute > 0)) {
      throw new ConfigError(`SKILLS_RATE_LIMITS.${name} needs a burst ≥ 1 and a perMinute > 0`);
    }
    limits[name as keyof RateLimits] = { burst, perSecond: perMinute / 60 };
  }
  return limits;
}

function numberFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0)
    throw new ConfigError(`${name} must be a whole number, not "${value}"`);
  return number;
}

async function generatedSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'jwt-secret');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    await mkdir(dataDir, { recursive: true });
    const secret = randomBytes(48).toString('base64url');
    await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
    await chmod(file, 0o600);
    return (await readFile(file, 'utf8')).trim();
  }
}
