import { printable, SkillsError } from '@skills/schema';
import type { RegistryRecord } from '../home/config.js';
import type { Session } from '../session.js';
import { parseLocation } from './location.js';

export interface SelectedRegistry {
  /** The configured name; null for a location given with --registry that is not configured. */
  name: string | null;
  record: RegistryRecord;
}

/**
 * The registry a command uses: `--registry <name>`, `--registry <url|path>` (a configured one with
 * that location, else read as given), or the default. Recorded on the session, so SKILLS_TOKEN
 * applies to it.
 */
export async function selectRegistry(
  session: Session,
  option: string | undefined,
): Promise<SelectedRegistry> {
  const config = await session.config();
  let selected: SelectedRegistry;
  if (option === undefined) {
    const name = config.defaultRegistry;
    const record = name === null ? undefined : config.registries[name];
    if (name === null || record === undefined) {
      throw new SkillsError('REGISTRY_NONE', 'no registry is configured', {
        hint: 'add one with `skills registry add <name> <url>`, or pass --registry <url>',
      });
    }
    selected = { name, record };
  } else if (option in config.registries) {
    selected = { name: option, record: config.registries[option]! };
  } else if (/^[a-z0-9-]+$/.test(option) && !option.includes('.')) {
    throw new SkillsError('REGISTRY_UNKNOWN', `no registry is named "${printable(option)}"`, {
      hint: `the configured registries are: ${Object.keys(config.registries).join(', ') || 'none'} (see \`skills registry list\`)`,
    });
  } else {
    const location = parseLocation(option, session.cwd, session.env);
    const found = Object.entries(config.registries).find(
      ([, record]) => record.location === location.location,
    );
    selected = found
      ? { name: found[0], record: found[1] }
      : {
          name: null,
          record: {
            location: location.location,
            transport: location.transport,
            index: location.location,
            url: null,
            api: null,
            allowHttp: false,
          },
        };
  }
  session.selected = selected;
  return selected;
}
