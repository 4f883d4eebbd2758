import {
  isValidName,
  isValidVersion,
  latestOf,
  printable,
  SkillsError,
  UsageError,
  type IndexLine,
} from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { selectRegistry } from '../registry/select.js';
import { openRegistryIndex } from '../sync/registry-index.js';

export class InfoCommand extends BaseCommand {
  static override paths = [['info']];

  static override usage = Command.Usage({
    category: 'Search and sync',
    description: "show a skill's versions, dependencies, signer and download URL",
    details: `
      Reads the skill's index file — every version with its dependencies, sha256, signer, publication time and yanked state — checked against the digest the synced feed gives for it. Copies are kept by digest under \`$SKILLS_HOME/.cache\`, so \`info\` works offline for skills it has shown before; like \`search\`, it syncs first when the catalog is older than \`syncMaxAgeSeconds\` and the registry answers.

      With \`@<version>\`, shows that version; otherwise the latest (the highest version that is not yanked).
    `,
    examples: [
      ['Show a skill', '$0 info code-review'],
      ['Show one version, as JSON', '$0 info code-review@1.0.0 --json'],
    ],
  });

  spec = Option.String({ name: 'name[@version]' });

  async execute(): Promise<number> {
    const at = this.spec.indexOf('@');
    const name = at === -1 ? this.spec : this.spec.slice(0, at);
    const version = at === -1 ? null : this.spec.slice(at + 1);
    if (!isValidName(name)) {
      throw new UsageError(`"${printable(name)}" is not a skill name`, {
        hint: 'skill names are lowercase letters and digits with inner hyphens, e.g. code-review',
      });
    }
    if (version !== null && !isValidVersion(version)) {
      throw new UsageError(`"${printable(version)}" is not a version`, {
        hint: 'give an exact version such as 1.2.0 (see the versions with `skills info <name>`)',
      });
    }
    const selected = await selectRegistry(this.session, this.registry);
    const index = await openRegistryIndex(this.session, selected, {
      sync: 'if-stale',
      progress: (line) => this.report.progress(line),
      warn: (warning) => this.report.warning(warning),
    });
    const registry = selected.name ?? selected.record.location;
    const known = index.catalogEntry(name);
    let versions: IndexLine[] = [];
    if (known !== null) {
      try {
        versions = await index.versions(name);
      } catch (error) {
        // Offline and never shown before: the catalog still has the skill's latest line.
        if (!(error instanceof SkillsError) || error.code !== 'REGISTRY_UNREACHABLE' || known.latest === null)
          throw error;
        this.report.warning({
          code: error.code,
          message: `${error.message}; showing only the latest version, from the synced catalog`,
        });
        versions = [known.latest];
      }
    }
    if (versions.length === 0) {
      throw new SkillsError('SKILL_NOT_FOUND', `${registry} has no skill named ${name}`, {
        hint: 'check the name with `skills search`; run `skills sync` if it was published just now',
      });
    }
    const latest = latestOf(versions);
    const shown = version === null ? latest! : versions.find((line) => line.version === version);
    if (shown === undefined) {
      throw new SkillsError('VERSION_NOT_FOUND', `${name} has no version ${version} in ${registry}`, {
        hint: `its versions are ${versions.map((line) => line.version).join(', ')}`,
      });
    }

    const { out } = this.report;
    this.report.result(
      `${out.bold(`${shown.name}@${shown.version}`)}${shown.yanked ? out.red(' (yanked)') : ''}`,
    );
    this.report.result(`  ${shown.description}`);
    this.report.result();
    if (shown.yanked) this.report.result(`  yanked:     ${shown.yank_reason ?? 'no reason given'}`);
    this.report.result(`  license:    ${shown.license ?? 'none'}`);
    if (shown.keywords.length > 0) this.report.result(`  keywords:   ${shown.keywords.join(', ')}`);
    this.report.result(`  published:  ${shown.published}`);
    this.report.result(`  signer:     ${shown.signer ?? 'unsigned'}`);
    this.report.result(`  sha256:     ${shown.sha256} (${shown.size} bytes)`);
    this.report.result(`  download:   ${index.tarballUrl(shown)}`);
    const deps = Object.entries(shown.deps);
    this.report.result(
      `  depends on: ${deps.length === 0 ? 'nothing' : deps.map(([dep, range]) => `${dep} ${range}`).join(', ')}`,
    );
    this.report.result();
    this.report.result(`versions (${versions.length}, latest ${latest?.version ?? 'none'}):`);
    for (const line of [...versions].reverse()) {
      const mark = line.version === latest?.version ? '*' : ' ';
      const yanked = line.yanked ? `  yanked${line.yank_reason === null ? '' : `: ${line.yank_reason}`}` : '';
      this.report.result(`${mark} ${line.version.padEnd(16)} ${line.published}${yanked}`);
    }
    return this.report.success({
      registry,
      name,
      latest: latest?.version ?? null,
      description: shown.description,
      license: shown.license,
      keywords: shown.keywords,
      versions: (version === null ? versions : [shown]).map((line) => describeVersion(line, index)),
    });
  }
}

function describeVersion(
  line: IndexLine,
  index: { tarballUrl(line: IndexLine): string; signatureUrl(line: IndexLine): string },
): Record<string, unknown> {
  return {
    version: line.version,
    yanked: line.yanked,
    yank_reason: line.yank_reason,
    sha256: line.sha256,
    size: line.size,
    deps: line.deps,
    published: line.published,
    signer: line.signer,
    dl: index.tarballUrl(line),
    sig: index.signatureUrl(line),
  };
}
