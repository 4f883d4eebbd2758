import type { CliConfig, RegistryRecord } from '../home/config.js';
import type { Env } from '../home/paths.js';

/** The env variable holding a token for the registry named `name` (DESIGN §6). */
export function registryTokenVariable(name: string): string {
  return `SKILLS_REGISTRIES_${name.toUpperCase().replace(/-/g, '_')}_TOKEN`;
}

/** The origin API calls of a registry go to, and its credentials are stored under. */
export function apiOrigin(api: string | null): string | null {
  if (api === null) return null;
  try {
    return new URL(api).origin;
  } catch {
    return null;
  }
}

/**
 * The token to send to an origin, and only to it (DESIGN §6): `SKILLS_TOKEN` for the registry the
 * command uses, `SKILLS_REGISTRIES_<NAME>_TOKEN` for the others, else the one `skills login`
 * stored for that API origin.
 */
export function tokenLookup(
  config: CliConfig,
  env: Env,
  selected: { name: string | null; record: RegistryRecord } | null,
): (origin: string) => string | null {
  return (origin) => {
    const given = env['SKILLS_TOKEN'];
    if (selected !== null && given && apiOrigin(selected.record.api) === origin) return given;
    for (const [name, record] of Object.entries(config.registries)) {
      const token = env[registryTokenVariable(name)];
      if (token && apiOrigin(record.api) === origin) return token;
    }
    return config.credentials[origin]?.token ?? null;
  };
}
