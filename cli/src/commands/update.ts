import { isValidName, printable, SkillsError, UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { agentOption, applyAgents, chosenAgents } from '../agents/apply.js';
import { BaseCommand } from '../base-command.js';
import { reportedSkills, runInstall } from '../install/flow.js';
import { readInstalledIndex, REQUESTED } from '../install/installed-index.js';
import { isLocalReference, readProjectManifest } from '../install/project-files.js';
import { syncedOpener } from '../install/registries.js';
import { chooseScope } from '../install/scope.js';
import { parseTrustSigner } from '../install/trust.js';

export class UpdateCommand extends BaseCommand {
  static override paths = [['update']];

  static override usage = Command.Usage({
    category: 'Install',
    description: 'update skills to the newest versions their ranges allow',
    details: `
      Resolves the skill named (or every installed skill) again, ignoring the versions installed and locked, and installs the highest versions that are not yanked within the ranges: \`skills.json\`'s in a project, the dependents' for a dependency. A skill installed globally by name counts as \`^<installed version>\`. Every check of \`skills install\` applies, and the lock is rewritten.

      With \`--latest\`, the skills you asked for (the one named, or all) move to their newest version even across their range, and \`skills.json\` gets \`^<new version>\` for them. Local packages (folders, \`.tgz\` files) stay as they are.

      What \`install --agent\` made for an updated skill is refreshed to the new version; \`--agent\` adds agents as it does for \`install\`.
    `,
    examples: [
      ['Update everything within its ranges', '$0 update'],
      ['Update one skill', '$0 update code-review'],
      ['Move a skill to its newest major version', '$0 update code-review --latest'],
    ],
  });

  latest = Option.Boolean('--latest', false, {
    description: 'Move past the ranges to the newest versions, and record the new ranges',
  });

  global = Option.Boolean('-g,--global', false, { description: 'Update $SKILLS_HOME even inside a project' });

  trustSigner = Option.String('--trust-signer', {
    description: 'Accept versions signed by this key (fingerprint) although another was recorded',
  });

  agent = agentOption();

  name = Option.String({ name: 'name', required: false });

  async execute(): Promise<number> {
    if (this.name !== undefined && !isValidName(this.name)) {
      throw new UsageError(`"${printable(this.name)}" is not a skill name`, {
        hint: 'give the name as `skills list` shows it, without a version (ranges live in skills.json)',
      });
    }
    const trustSigner = parseTrustSigner(this.trustSigner);
    const { session } = this;
    const agents = await chosenAgents(session, this.agent);
    const scope = chooseScope(session, { global: this.global, project: false });
    const before = await readInstalledIndex(scope.index);
    const manifest = scope.project === null ? null : await readProjectManifest(scope.project.manifest);
    if (
      this.name !== undefined &&
      !(this.name in before.skills) &&
      !(this.name in (manifest?.skills ?? {}))
    ) {
      throw new SkillsError('SKILL_NOT_INSTALLED', `${this.name} is not installed in ${scope.tree}`, {
        hint: `install it with \`skills install ${this.name}\``,
      });
    }
    const requested =
      manifest !== null
        ? Object.keys(manifest.skills).filter((name) => !isLocalReference(manifest.skills[name]!))
        : Object.keys(before.skills).filter((name) => {
            const skill = before.skills[name]!;
            return skill.versions[skill.active]!.requiredBy.includes(REQUESTED);
          });
    if (this.latest && this.name !== undefined && !requested.includes(this.name)) {
      throw new UsageError(
        `${this.name} is installed as a dependency: its range belongs to the skills that need it`,
        {
          hint: `run \`skills update ${this.name}\` to update it within their ranges, or \`skills install ${this.name}\` to ask for it yourself`,
        },
      );
    }
    const targets = this.name === undefined ? 'all' : new Set([this.name]);
    const flow = await runInstall({
      session,
      report: this.report,
      scope,
      openIndex: syncedOpener(this.report),
      registryOption: this.registry,
      trustSigner,
      requests: [],
      refresh: targets,
      ...(this.latest ? { latest: targets === 'all' ? new Set(requested) : targets } : {}),
    });
    const updated = flow.result.placed
      .filter((one) => one.previous !== null && one.previous !== one.version)
      .map((one) => ({ name: one.name, from: one.previous, to: one.version }));
    for (const one of updated)
      this.report.result(`updated ${this.report.out.bold(one.name)} ${one.from} → ${one.to}`);
    if (flow.result.placed.length === 0) this.report.result('everything is up to date');
    await applyAgents(session, this.report, scope, agents, {
      present: flow.result.placed,
      removed: flow.result.removed.map((one) => one.name).filter((name) => !flow.chosen.has(name)),
    });
    return this.report.success({
      scope: scope.kind,
      updated,
      installed: reportedSkills(scope, flow, new Set()),
    });
  }
}
