import { Command, Option } from '../../clipanion.js';
import { AccountCommand } from '../../account/account-command.js';
import { RegistryApi } from '../../api/client.js';
import { listRegisteredKeys, type RegisteredKey } from '../../api/keys.js';
import { listLocalKeys, type LocalKey } from '../../pgp/keystore.js';

export class KeysListCommand extends AccountCommand {
  static override paths = [['keys', 'list']];

  static override usage = Command.Usage({
    category: 'Keys',
    description: 'list your signing keys',
    details: `
      Lists the keys in \`$SKILLS_HOME/keys/\`: fingerprint, user ID, algorithm, whether the private key is here and passphrase-protected, whether it is revoked, and which one \`skills publish\` signs with.

      With \`--remote\` it also shows the registry's view: the keys registered to your account (revoked ones included), matched with the local ones. The registry shows them only to a login session, so \`--remote\` asks for your password (or reads it with \`--password-stdin\`).
    `,
    examples: [
      ['List the keys of this computer', '$0 keys list'],
      ['Also list the keys registered to your account', '$0 keys list --remote'],
    ],
  });

  remote = Option.Boolean('--remote', false, {
    description: 'Also list the keys registered to your account on the registry',
  });

  async execute(): Promise<number> {
    if (this.remote) this.checkPasswordSource();
    const { home } = this.session;
    const local = await listLocalKeys(home, (file, why) =>
      this.report.warning({
        code: 'KEY_NOT_FOUND',
        message: `${file} is not a readable key (${why}): skipped`,
      }),
    );
    const signingKey = (await this.session.config()).signingKey;
    let registered: RegisteredKey[] | null = null;
    let registryName: string | null = null;
    if (this.remote) {
      const api = await RegistryApi.open(this.session, this.registry);
      const username = await this.usernameFor(api);
      registered = await this.withSession(api, username, (jwt) => listRegisteredKeys(api, jwt));
      registryName = api.registry.name;
    }

    const rows = mergeKeys(local, registered);
    const { out } = this.report;
    if (rows.length === 0) this.report.result('No keys. Generate one with `skills keys generate`.');
    for (const row of rows) {
      const marks = [
        row.fingerprint === signingKey ? 'signing key' : null,
        row.local === null ? 'not on this computer' : row.local.hasPrivate ? null : 'public key only',
        row.local?.encrypted ? 'passphrase' : null,
        row.local?.revoked ? 'revoked' : null,
      ].filter((mark) => mark !== null);
      this.report.result(
        `${out.bold(row.fingerprint)}${marks.length === 0 ? '' : `  (${marks.join(', ')})`}`,
      );
      if (row.local !== null) {
        this.report.result(
          `    ${row.local.userIds.join('; ') || '(no user ID)'}, ${row.local.algorithm}, created ${row.local.createdAt.toISOString()}`,
        );
      }
      if (registered !== null) {
        const reg = row.registry;
        this.report.result(
          reg === null
            ? `    not registered on ${registryName}`
            : `    registered on ${registryName} ${reg.registeredAt}${reg.revokedAt === null ? '' : `, revoked ${reg.revokedAt} (${reg.revocationReason ?? 'no reason'}${reg.revocationPublished ? '' : '; installers are not told'})`}`,
        );
      }
    }
    return this.report.success({
      signing_key: signingKey,
      ...(registryName === null ? {} : { registry: registryName }),
      keys: rows.map((row) => ({
        fingerprint: row.fingerprint,
        signing: row.fingerprint === signingKey,
        local:
          row.local === null
            ? null
            : {
                user_ids: row.local.userIds,
                algorithm: row.local.algorithm,
                created_at: row.local.createdAt.toISOString(),
                expires_at: row.local.expiresAt?.toISOString() ?? null,
                private: row.local.hasPrivate,
                encrypted: row.local.encrypted,
                revoked: row.local.revoked,
              },
        ...(registered === null
          ? {}
          : {
              registry:
                row.registry === null
                  ? null
                  : {
                      algorithm: row.registry.algorithm,
                      registered_at: row.registry.registeredAt,
                      revoked_at: row.registry.revokedAt,
                      revocation_reason: row.registry.revocationReason,
                      revocation_published: row.registry.revocationPublished,
                    },
            }),
      })),
    });
  }
}

interface KeyRow {
  fingerprint: string;
  local: LocalKey | null;
  registry: RegisteredKey | null;
}

/** Local keys first (by fingerprint), then keys only the registry has. */
function mergeKeys(local: LocalKey[], registered: RegisteredKey[] | null): KeyRow[] {
  const byFingerprint = new Map((registered ?? []).map((key) => [key.fingerprint, key]));
  const rows: KeyRow[] = local.map((key) => ({
    fingerprint: key.fingerprint,
    local: key,
    registry: byFingerprint.get(key.fingerprint) ?? null,
  }));
  const seen = new Set(local.map((key) => key.fingerprint));
  for (const key of registered ?? []) {
    if (!seen.has(key.fingerprint)) rows.push({ fingerprint: key.fingerprint, local: null, registry: key });
  }
  return rows;
}
