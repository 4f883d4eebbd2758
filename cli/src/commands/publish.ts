import { printable, SkillsError, UsageError } from '@skills/schema';
import { pack } from '@skills/schema/archive';
import { Command, Option } from '../clipanion.js';
import { BaseCommand } from '../base-command.js';
import { RegistryApi } from '../api/client.js';
import { publishTarball, versionState } from '../api/skills.js';
import { checkPackage, displayPath } from '../package-check.js';
import { chooseSigningKey } from '../pgp/keystore.js';
import { signDetached, unlockStoredKey } from '../pgp/sign.js';
import type { InputStream } from '../prompt.js';
import { formatBytes } from './pack.js';

/** DESIGN §6: publish waits up to 60 s for the version to be in the index. */
const DEFAULT_WAIT_SECONDS = 60;
const MAX_WAIT_SECONDS = 600;

export class PublishCommand extends BaseCommand {
  static override paths = [['publish']];

  static override usage = Command.Usage({
    category: 'Publishing',
    description: 'validate, pack, sign and upload a skill package',
    details: `
      Validates the package exactly as \`skills validate\` does, packs it as \`skills pack\` does, signs the tarball's bytes with your signing key (an OpenPGP detached signature in binary mode, which \`gpg --verify\` checks), and uploads tarball and signature to the registry with your API token (\`skills login\`, or \`SKILLS_TOKEN\`). Then it waits up to 60 seconds (\`--wait\`) until the registry's index holds the version, and prints the result.

      Publishing the same bytes again, signed by the same key, is a safe retry: it succeeds and changes nothing. A version number is never reused: other bytes under a published version fail with \`VERSION_EXISTS\`.

      The signing key is \`--key\`, else the one \`skills keys register\` registered (config.json \`signingKey\`). A passphrase-protected key asks for its passphrase, or takes \`SKILLS_KEY_PASSPHRASE\` or \`--passphrase-stdin\`. With \`--dry-run\` everything but the upload is done.
    `,
    examples: [
      ['Publish the package in the current folder', '$0 publish'],
      ['See what would be published, without uploading', '$0 publish ./ada-notes --dry-run'],
      ['Publish from CI and print the result as JSON', 'SKILLS_TOKEN=skl_… $0 publish ./ada-notes --json'],
    ],
  });

  dryRun = Option.Boolean('--dry-run', false, { description: 'Validate, pack and sign, but do not upload' });
  key = Option.String('--key', {
    description: 'The fingerprint of the key to sign with (default: the signing key)',
  });
  passphraseStdin = Option.Boolean('--passphrase-stdin', false, {
    description: "Read the key's passphrase from stdin",
  });
  wait = Option.String('--wait', {
    description: 'Seconds to wait for the version to be indexed (default 60; 0 does not wait)',
  });

  dir = Option.String({ name: 'dir', required: false });

  async execute(): Promise<number> {
    const waitSeconds = parseWait(this.wait);
    const dir = this.resolvePath(this.dir);
    const cwd = this.context.cwd ?? process.cwd();
    const { manifest, warnings } = await checkPackage(this.report, dir, displayPath(cwd, dir));
    const api = await RegistryApi.open(this.session, this.registry);
    if ((await api.token()) === null) {
      const problem = new SkillsError(
        'AUTH_REQUIRED',
        `you are not logged in to "${api.registry.name}" (${api.origin})`,
        {
          hint: `run \`skills login${api.flag}\` (or set SKILLS_TOKEN), then publish again`,
        },
      );
      if (!this.dryRun) throw problem;
      this.report.warning({ code: problem.code, message: `${problem.message}: the upload would fail` });
    }

    const packed = await pack(dir, manifest.files === undefined ? {} : { files: manifest.files });
    const { home } = this.session;
    const key = await chooseSigningKey(home, await this.session.config(), this.key);
    const unlocked = await unlockStoredKey(home, key.fingerprint, {
      env: this.session.env,
      stdin: this.context.stdin as InputStream,
      stderr: this.context.stderr,
      fromStdin: this.passphraseStdin,
    });
    const signature = await signDetached(packed.bytes, unlocked);
    const spec = `${manifest.name}@${manifest.version}`;
    const { out } = this.report;

    if (this.dryRun) {
      this.report.result(`${out.bold(spec)}: ${packed.files.length} files, ${formatBytes(packed.size)}`);
      this.report.result(`  sha256: ${packed.sha256}`);
      this.report.result(`  signer: ${key.fingerprint}`);
      this.report.result(`Dry run: would publish to ${api.registry.name} (${api.base}); nothing uploaded.`);
      return this.report.success({
        name: manifest.name,
        version: manifest.version,
        sha256: packed.sha256,
        size: packed.size,
        signer: key.fingerprint,
        indexed: false,
        dry_run: true,
      });
    }

    this.report.progress(`publishing ${spec} to ${api.registry.name} (${api.origin})…`);
    const answer = await publishTarball(api, {
      fileName: `${manifest.name}-${manifest.version}.tgz`,
      tarball: packed.bytes,
      signature,
      what: `publishing ${spec}`,
    });
    if (
      answer.name !== manifest.name ||
      answer.version !== manifest.version ||
      answer.sha256 !== packed.sha256
    ) {
      throw new SkillsError(
        'HTTP_ERROR',
        `the registry recorded ${printable(answer.name)}@${printable(answer.version)} with sha256 ${printable(answer.sha256)}, not ${spec} with ${packed.sha256}`,
        { hint: 'something between you and the registry changed the upload: tell the registry operator' },
      );
    }
    const shown = new Set(warnings.map((issue) => `${issue.path}\n${issue.message}`));
    for (const issue of answer.warnings) {
      if (!shown.has(`${issue.path}\n${issue.message}`)) this.report.warning(issue);
    }

    const indexed =
      waitSeconds > 0 && (await this.waitForIndex(api, manifest.name, manifest.version, waitSeconds));
    if (!indexed) {
      this.report.warning({
        code: 'NOT_INDEXED_YET',
        message: `${spec} is published, but not in the index yet${waitSeconds > 0 ? ` after ${waitSeconds} s` : ''}: \`skills info ${manifest.name}\` shows it once the registry has indexed it`,
      });
    }
    this.report.result(
      `${answer.replayed ? 'Already published (same bytes, same key): ' : 'Published '}${out.bold(spec)} to ${api.registry.name}${indexed ? ', indexed' : ''}.`,
    );
    this.report.result(`  sha256: ${answer.sha256}`);
    this.report.result(`  size:   ${formatBytes(answer.size)}`);
    this.report.result(`  signer: ${answer.signer}`);
    return this.report.success({
      name: answer.name,
      version: answer.version,
      sha256: answer.sha256,
      size: answer.size,
      signer: answer.signer,
      indexed,
    });
  }

  /**
   * Polls GET /skills/:name/:version until the registry's worker has put the version in the feed.
   * The upload already succeeded, so a failure here is a warning, never an error.
   */
  private async waitForIndex(
    api: RegistryApi,
    name: string,
    version: string,
    seconds: number,
  ): Promise<boolean> {
    const deadline = Date.now() + seconds * 1000;
    let delay = 100;
    this.report.progress('waiting for the registry to index it…');
    for (;;) {
      try {
        if ((await versionState(api, name, version)).indexed) return true;
      } catch (error) {
        this.report.warning({
          code: 'NOT_INDEXED_YET',
          message: `could not ask whether ${name}@${version} is indexed: ${(error as Error).message}`,
        });
        return false;
      }
      if (Date.now() + delay > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 1000);
    }
  }
}

function parseWait(value: string | undefined): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  if (!/^\d{1,4}$/.test(value) || Number(value) > MAX_WAIT_SECONDS) {
    throw new UsageError(
      `--wait "${printable(value)}" is not a number of seconds from 0 to ${MAX_WAIT_SECONDS}`,
      {
        hint: '--wait 0 returns as soon as the upload is accepted',
      },
    );
  }
  return Number(value);
}
