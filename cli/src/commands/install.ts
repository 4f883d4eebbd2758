import { UsageError } from '@skills/schema';
import { Command, Option } from '../clipanion.js';
import { agentOption, applyAgents, chosenAgents } from '../agents/apply.js';
import { BaseCommand } from '../base-command.js';
import { userHome } from '../home/paths.js';
import { reportedSkills, runInstall, type Request } from '../install/flow.js';
import { readLocalPackage } from '../install/local-package.js';
import { syncedOpener } from '../install/registries.js';
import { chooseScope } from '../install/scope.js';
import { parseTrustSigner } from '../install/trust.js';
import { parseSpec } from '../install/spec.js';

export class InstallCommand extends BaseCommand {
  static override paths = [['install']];

  static override usage = Command.Usage({
    category: 'Install',
    description: 'install skills and their dependencies',
    details: `
      Installs each skill named (\`name\`, or \`name@range\` with a node-semver range), a package folder, or a \`.tgz\` made by \`skills pack\`, with every dependency. A dependency resolves only in the registry of the skill that declares it, at the highest version that satisfies every range asking for it and is not yanked; a yanked version is installed only when pinned exactly (\`name@1.2.3\`), with a warning. What is already installed is kept when it satisfies. A scope holds one version of each skill: when two dependency chains need versions no single one satisfies, or skills depend on each other in a cycle, the install stops and names both chains.

      Every tarball is checked before anything is placed: its size and sha256 against its index line, its archive against the package rules, its \`skill.yaml\` against the line's name, version and dependencies (\`INDEX_MISMATCH\`), and its OpenPGP signature against the publisher's key as it was when the version was published. The first install of a skill records its signer; a later version signed by another key fails with \`SIGNER_CHANGED\` unless that key is certified by the recorded one or accepted with \`--trust-signer <fingerprint>\`. A folder is validated and packed as \`skills pack\` would; local packages are not signed.

      Inside a project (the nearest folder above the working directory holding \`skills.json\`, never your home folder itself) skills go into the project's \`.skills/\`, \`skills.json\` records each requested range (\`^<version>\` when none was given; \`file:<path>\` for a local package) and \`skills-lock.json\` the exact versions, digests and signers. Elsewhere they go into \`$SKILLS_HOME\` (default \`~/.skills\`). \`--project\` makes the working directory a project (creating \`skills.json\`); \`-g\` installs globally even inside a project.

      Without arguments, in a project: installs exactly what the lock says (and brings the lock up to date when \`skills.json\` asks for more). With \`--frozen\`, fails instead when the lock does not satisfy \`skills.json\`, and never writes it — for CI.

      With \`--agent claude,agents,roundtable\` (or the \`agents\` list in \`$SKILLS_HOME/config.json\`), the installed skills are also made visible to those agents: \`claude\` links \`.claude/skills/<name>\` (Claude Code), \`agents\` links \`.agents/skills/<name>\` (the folder Codex, Cursor, Gemini CLI, Copilot and OpenCode read), \`roundtable\` writes \`.roundtable/skills/<name>.yaml\` — under the project, or under your home folder for a global install. Links are relative; where a link cannot be made, a copy is. Everything made is recorded, so \`update\` refreshes it and \`uninstall\` removes exactly it; a file or folder skills did not make is never touched (a warning says so), and nothing is written for an agent you did not choose.

      The registry is synced first (the copy synced before is used, with a warning, when it cannot be reached). Concurrent \`skills\` processes wait for each other; an install killed half-way is repaired by the next command, and a skill is installed only once its folder is complete.
    `,
    examples: [
      ['Install a skill and its dependencies', '$0 install release-checklist'],
      ['Install a version range', '$0 install code-review@^1.4'],
      ['Install a folder and a packed tarball', '$0 install ./my-skill ./other-skill-1.0.0.tgz'],
      ['Install into this folder as a project', '$0 install --project code-review'],
      ['Install what skills-lock.json says, failing when it is stale', '$0 install --frozen'],
      [
        'Accept a new signing key the publisher announced',
        '$0 install code-review --trust-signer 0123456789ABCDEF0123456789ABCDEF01234567',
      ],
    ],
  });

  global = Option.Boolean('-g,--global', false, {
    description: 'Install into $SKILLS_HOME even inside a project',
  });

  project = Option.Boolean('--project', false, {
    description: 'Make the working directory a project (creates skills.json) and install there',
  });

  frozen = Option.Boolean('--frozen', false, {
    description: 'Install exactly what skills-lock.json says; fail if it does not satisfy skills.json',
  });

  trustSigner = Option.String('--trust-signer', {
    description: 'Accept versions signed by this key (fingerprint) although another was recorded',
  });

  agent = agentOption();

  specs = Option.Rest({ name: 'name[@range] | dir | file.tgz' });

  async execute(): Promise<number> {
    if (this.global && this.project) {
      throw new UsageError('-g and --project contradict each other', {
        hint: 'use -g for the global home, --project for the working directory',
      });
    }
    if (this.frozen && this.specs.length > 0) {
      throw new UsageError('--frozen installs the lock as it is: it takes no skill names', {
        hint: 'run `skills install --frozen` alone, or drop --frozen to add skills',
      });
    }
    const trustSigner = parseTrustSigner(this.trustSigner);
    const { session } = this;
    const agents = await chosenAgents(session, this.agent);
    const specs = this.specs.map((spec) => parseSpec(spec, session.cwd, userHome(session.env)));
    const scope = chooseScope(session, { global: this.global, project: this.project });
    if (scope.project === null && specs.length === 0) {
      throw new UsageError(
        this.frozen ? '--frozen needs a project (a folder with skills.json)' : 'nothing to install',
        {
          hint: 'name the skills to install, or run the command in a project (a folder with skills.json)',
        },
      );
    }
    const requests: Request[] = [];
    for (const spec of specs) {
      requests.push(
        spec.kind === 'registry'
          ? { name: spec.name, range: spec.range }
          : { local: await readLocalPackage(this.report, spec.kind, spec.path, session.cwd) },
      );
    }
    const names = requests.map((request) =>
      'local' in request ? request.local.manifest.name : request.name,
    );
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) {
      throw new UsageError(`${twice} is given twice`, { hint: 'one scope holds one version of each skill' });
    }

    const flow = await runInstall({
      session,
      report: this.report,
      scope,
      openIndex: syncedOpener(this.report),
      registryOption: this.registry,
      trustSigner,
      requests,
      frozen: this.frozen,
    });
    const installed = reportedSkills(scope, flow, new Set(names));
    const placed = new Set(flow.result.placed.map((one) => one.name));
    for (const skill of installed) {
      const state = placed.has(skill.name) ? 'installed' : 'already installed';
      this.report.result(`${state} ${this.report.out.bold(`${skill.name}@${skill.version}`)}  ${skill.dir}`);
    }
    for (const gone of flow.result.removed) {
      if (!flow.chosen.has(gone.name))
        this.report.result(`removed ${gone.name}@${gone.version} (no longer needed)`);
    }
    if (installed.length === 0) this.report.result('everything is up to date');
    await applyAgents(session, this.report, scope, agents, {
      present: installed,
      removed: flow.result.removed.map((one) => one.name).filter((name) => !flow.chosen.has(name)),
    });
    return this.report.success({ scope: scope.kind, installed });
  }
}
