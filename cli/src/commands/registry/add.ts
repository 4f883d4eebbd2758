import { isFingerprint, printable, SkillsError, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { REGISTRY_NAME, type RegistryRecord } from '../../home/config.js';
import { discoverRegistry } from '../../registry/discover.js';
import { checkSecure, parseLocation } from '../../registry/location.js';
import { readPin, writePin, type RegistryPin } from '../../registry/pins.js';

export class RegistryAddCommand extends BaseCommand {
  static override paths = [['registry', 'add']];

  static override usage = Command.Usage({
    category: 'Registries',
    description: 'add a registry and pin its signing key',
    details: `
      Reads the registry's \`config.json\` and records the registry under \`<name>\`. The location is classified as DESIGN §6 says: a URL with a \`git+\` prefix or a \`.git\` suffix is a git index (fetched over HTTP(S)); a folder path (or \`file:\` URL) is an index on disk, read directly; any other URL is an HTTP index root or a registry server (\`<url>/config.json\`, then \`<url>/index/config.json\`).

      The registry's signing key (the key that signs \`feed/head.json\`) is printed and pinned, and so is its API origin: a later \`config.json\` that names another key or API is refused until you confirm it by adding the registry again with \`--key <fingerprint>\` (and \`--api <url>\`). Give \`--key\` on the first add to pin a fingerprint you got from the operator rather than trust the first answer.

      Plain http is refused except on loopback unless \`--allow-http\` is given. The first registry added becomes the default.
    `,
    examples: [
      ['Add a registry server and make it the default', '$0 registry add main https://skills.example.com'],
      [
        'Pin the key the operator published',
        '$0 registry add main https://skills.example.com --key 0123456789ABCDEF0123456789ABCDEF01234567',
      ],
      ['Add a git mirror of an index', '$0 registry add mirror git+https://git.example.com/skills-index.git'],
      ['Add an index in a local folder', '$0 registry add local ./skills-index'],
    ],
  });

  key = Option.String('--key', { description: 'The fingerprint of the signing key to pin (40 hex digits)' });
  api = Option.String('--api', { description: 'Confirm a changed API URL of a registry added before' });
  allowHttp = Option.Boolean('--allow-http', false, {
    description:
      'Allow plain http to a host that is not loopback (anyone on the way can change what you read)',
  });
  makeDefault = Option.Boolean('--default', false, { description: 'Make it the default registry' });

  name = Option.String({ name: 'name' });
  location = Option.String({ name: 'url' });

  async execute(): Promise<number> {
    if (!REGISTRY_NAME.test(this.name)) {
      throw new UsageError(`"${printable(this.name)}" is not a valid registry name`, {
        hint: 'use 1-32 lowercase letters, digits and inner hyphens, e.g. "main" or "team-skills"',
      });
    }
    const key = this.key?.toUpperCase();
    if (key !== undefined && !isFingerprint(key)) {
      throw new UsageError(`--key "${printable(this.key ?? '')}" is not a key fingerprint`, {
        hint: 'give the 40 hex digits of the v4 fingerprint (spaces removed)',
      });
    }
    const { session } = this;
    const location = parseLocation(this.location, session.cwd, session.env);
    if (location.transport !== 'local') checkSecure(location.location, this.allowHttp);
    const existing = (await session.config()).registries[this.name];
    if (existing !== undefined) throw exists(this.name, existing);

    this.report.progress(`reading ${location.location}…`);
    const found = await discoverRegistry(session, location, this.allowHttp);
    const pinned = await readPin(session.home, found.location);
    const pin = decidePin(found.location, found.config.signing_key, found.config.api, pinned, key, this.api);
    const record: RegistryRecord = {
      location: found.location,
      transport: found.transport,
      index: found.index,
      url: found.config.url,
      api: found.config.api,
      allowHttp: this.allowHttp,
    };
    const isDefault = await session.updateConfig(async (config) => {
      const raced = config.registries[this.name];
      if (raced !== undefined) throw exists(this.name, raced);
      await writePin(session.home, pin);
      config.registries[this.name] = record;
      if (this.makeDefault || config.defaultRegistry === null) config.defaultRegistry = this.name;
      return config.defaultRegistry === this.name;
    });

    const { out } = this.report;
    this.report.result(
      `Added registry ${out.bold(this.name)}${isDefault ? ' (default)' : ''}: ${found.config.name}`,
    );
    this.report.result(`  index:        ${found.index} (${found.transport})`);
    if (found.config.api !== null) this.report.result(`  api:          ${found.config.api}`);
    if (pin.signingKey === null) {
      this.report.warning({
        code: 'REGISTRY_UNSIGNED',
        message:
          'this registry does not sign its feed: a mirror or a compromised server could serve you an old or altered index',
      });
    } else {
      this.report.result(`  signing key:  ${out.bold(pin.signingKey)} (pinned)`);
    }
    this.report.result(`Next: skills sync${isDefault ? '' : ` --registry ${this.name}`}`);
    return this.report.success({
      name: this.name,
      location: found.location,
      transport: found.transport,
      index: found.index,
      url: found.config.url,
      api: found.config.api,
      signing_key: pin.signingKey,
      default: isDefault,
    });
  }
}

function exists(name: string, record: RegistryRecord): SkillsError {
  return new SkillsError(
    'REGISTRY_EXISTS',
    `a registry named "${name}" already exists (${record.location})`,
    {
      hint: `choose another name, or \`skills registry remove ${name}\` first`,
    },
  );
}

/**
 * What to pin (DESIGN §6): the first add pins what config.json says, or the `--key` the user gave
 * (which must then be the key config.json names, if it names one). A location added before keeps
 * its pins: a different key or API in config.json is refused unless the user confirms it.
 */
export function decidePin(
  location: string,
  announcedKey: string | null,
  announcedApi: string | null,
  pinned: RegistryPin | null,
  givenKey: string | undefined,
  givenApi: string | undefined,
): RegistryPin {
  if (givenKey !== undefined && announcedKey !== null && givenKey !== announcedKey) {
    throw keyChanged(`the registry's config.json names the signing key ${announcedKey}, not ${givenKey}`);
  }
  const signingKey = givenKey ?? announcedKey;
  if (
    pinned !== null &&
    pinned.signingKey !== null &&
    signingKey !== pinned.signingKey &&
    givenKey === undefined
  ) {
    throw keyChanged(
      `the registry's signing key changed: ${pinned.signingKey} was pinned, config.json now names ${signingKey ?? 'none'}`,
      announcedKey,
    );
  }
  if (pinned !== null && pinned.api !== null && announcedApi !== pinned.api && givenApi !== announcedApi) {
    throw new SkillsError(
      'REGISTRY_API_CHANGED',
      `the registry's API changed: ${pinned.api} was pinned, config.json now names ${announcedApi ?? 'none'}`,
      {
        hint:
          announcedApi === null
            ? 'ask the operator why; your credentials stay with the pinned API'
            : `if the operator confirms it, add the registry again with --api ${announcedApi}`,
      },
    );
  }
  return { location, signingKey, api: announcedApi, pinnedAt: new Date().toISOString() };
}

function keyChanged(message: string, announced: string | null = null): SkillsError {
  return new SkillsError('REGISTRY_KEY_CHANGED', message, {
    hint:
      announced === null
        ? 'check the fingerprint with the registry operator'
        : `if the operator confirms the new key, add the registry again with --key ${announced}`,
  });
}
