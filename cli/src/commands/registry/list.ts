import { Command } from '../../clipanion.js';
import { BaseCommand } from '../../base-command.js';
import { readPin } from '../../registry/pins.js';

export class RegistryListCommand extends BaseCommand {
  static override paths = [['registry', 'list']];

  static override usage = Command.Usage({
    category: 'Registries',
    description: 'list the configured registries',
    details: `
      Prints each registry's name, how its index is read, its location and its pinned signing key. The default registry is marked with \`*\`.
    `,
    examples: [
      ['List the registries', '$0 registry list'],
      ['The same as JSON', '$0 registry list --json'],
    ],
  });

  async execute(): Promise<number> {
    const { session } = this;
    const config = await session.config();
    const registries = [];
    for (const [name, record] of Object.entries(config.registries).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const pin = await readPin(session.home, record.location);
      registries.push({
        name,
        location: record.location,
        transport: record.transport,
        index: record.index,
        url: record.url,
        api: pin?.api ?? record.api,
        signing_key: pin?.signingKey ?? null,
        default: config.defaultRegistry === name,
      });
    }
    if (registries.length === 0) {
      this.report.result('No registries. Add one with `skills registry add <name> <url>`.');
    }
    const width = Math.max(0, ...registries.map((one) => one.name.length));
    for (const one of registries) {
      const mark = one.default ? '*' : ' ';
      const key = one.signing_key === null ? 'unsigned' : `key ${one.signing_key}`;
      this.report.result(
        `${mark} ${one.name.padEnd(width)}  ${one.transport.padEnd(5)}  ${one.location}  (${key})`,
      );
    }
    return this.report.success({ registries });
  }
}
