import { printable, UsageError } from '@skills/schema';
import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { parseDuration } from '../../account/duration.js';
import { loginTokenName } from '../../account/login-token.js';
import {
  createToken,
  TOKEN_MAX_SECONDS,
  TOKEN_MIN_SECONDS,
  TOKEN_SCOPES,
  type TokenScope,
} from '../../api/accounts.js';
import { RegistryApi } from '../../api/client.js';

const DEFAULT_SECONDS = 30 * 24 * 60 * 60;
const PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*(-?\*)?$/;

export class TokenCreateCommand extends AccountCommand {
  static override paths = [['token', 'create']];

  static override usage = Command.Usage({
    category: 'Accounts',
    description: 'create an API token (for CI) and print it once',
    details: `
      Creates an API token on the registry and prints it on stdout, once: the registry keeps only its hash. The token is not stored here; give it to a CI system as \`SKILLS_TOKEN\`.

      Give one or more \`--scope\` (\`publish-new\`: first versions of new names; \`publish-update\`: new versions of your skills; \`yank\`: yank and unyank; \`owners\`: add and remove owners), optionally \`--skill\` patterns the token is limited to (an exact name, or a prefix ending in \`*\`), and \`--expires-in\` (default 30d, at most 90d).

      Managing tokens needs a login session, so the command asks for your password (or reads it with \`--password-stdin\`).
    `,
    examples: [
      [
        'A token that can publish new versions of one skill, for CI',
        '$0 token create --name ci --scope publish-update --skill ada-notes',
      ],
      [
        'A token for every skill starting with acme-, valid 7 days',
        '$0 token create --scope publish-new --scope publish-update --skill "acme-*" --expires-in 7d',
      ],
    ],
  });

  name = Option.String('--name', {
    description: 'A label for the token (default: this computer and the time)',
  });
  scopes = Option.Array('--scope', {
    description: `What the token may do: ${TOKEN_SCOPES.join(', ')} (repeat for several)`,
  });
  skills = Option.Array('--skill', {
    description: 'Limit the token to a skill name or a `prefix*` pattern (repeatable)',
  });
  expiresIn = Option.String('--expires-in', {
    description: 'How long the token lives: 30d (default), 12h, … up to 90d',
  });

  async execute(): Promise<number> {
    const scopes = [...new Set(this.scopes ?? [])];
    if (scopes.length === 0) {
      throw new UsageError('say what the token may do with --scope', {
        hint: `give one or more of --scope ${TOKEN_SCOPES.join(', --scope ')}`,
      });
    }
    const unknown = scopes.find((scope) => !(TOKEN_SCOPES as readonly string[]).includes(scope));
    if (unknown !== undefined) {
      throw new UsageError(`"${printable(unknown)}" is not a token scope`, {
        hint: `the scopes are ${TOKEN_SCOPES.join(', ')}`,
      });
    }
    const skills = [...new Set(this.skills ?? [])];
    const badPattern = skills.find((pattern) => !PATTERN.test(pattern) || pattern.length > 65);
    if (badPattern !== undefined) {
      throw new UsageError(
        `--skill "${printable(badPattern)}" is neither a skill name nor a name prefix followed by *`,
        {
          hint: 'e.g. --skill ada-notes or --skill "acme-*"',
        },
      );
    }
    if (skills.length > 32)
      throw new UsageError('at most 32 --skill patterns', { hint: 'use a prefix pattern such as "acme-*"' });
    const name = this.name ?? loginTokenName();
    if (name.length < 1 || name.length > 64 || /\p{Cc}/u.test(name)) {
      throw new UsageError('--name must have 1-64 characters and no control characters', {
        hint: 'e.g. --name "github-actions"',
      });
    }
    const expires =
      this.expiresIn === undefined
        ? DEFAULT_SECONDS
        : parseDuration(this.expiresIn, '--expires-in', { min: TOKEN_MIN_SECONDS, max: TOKEN_MAX_SECONDS });
    this.checkPasswordSource();

    const api = await RegistryApi.open(this.session, this.registry);
    const username = await this.usernameFor(api);
    const token = await this.withSession(api, username, (jwt) =>
      createToken(api, jwt, {
        name,
        scopes: scopes as TokenScope[],
        skills: skills.length === 0 ? null : skills,
        expiresInSeconds: expires,
      }),
    );
    this.report.result(token.token);
    this.report.progress(
      `Created the token "${token.name}" (id ${token.id}; ${token.scopes.join(', ')}${token.skills === null ? '' : `; only ${token.skills.join(', ')}`}; expires ${token.expiresAt}). It is shown this once: store it now.`,
    );
    return this.report.success({
      id: token.id,
      token: token.token,
      name: token.name,
      scopes: token.scopes,
      skills: token.skills,
      expires_at: token.expiresAt,
    });
  }
}
