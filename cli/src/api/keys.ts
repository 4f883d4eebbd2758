import type { RegistryApi } from './client.js';
import type { SessionJwt } from './accounts.js';
import { Decoder } from './decode.js';

/** The reasons the registry records for a key revocation (DESIGN §5, RFC 4880 5.2.3.23). */
export const REVOCATION_REASONS = ['compromised', 'superseded', 'retired'] as const;
export type KeyRevocationReason = (typeof REVOCATION_REASONS)[number];

/** A key as the registry knows it (GET /keys). */
export interface RegisteredKey {
  fingerprint: string;
  algorithm: string;
  createdAt: string;
  expiresAt: string | null;
  registeredAt: string;
  revokedAt: string | null;
  revocationReason: string | null;
  /** keys/<FPR>.asc of the index carries the revocation (an OpenPGP revocation was sent). */
  revocationPublished: boolean;
}

export async function keyChallenge(api: RegistryApi, session: SessionJwt): Promise<string> {
  const { data } = await api.call({
    method: 'GET',
    path: '/keys/challenge',
    auth: { session: session.token },
    what: 'asking for a key challenge',
  });
  return Decoder.object(data, 'the key challenge').string('nonce');
}

/** POST /keys; `created` is false when the key was already this account's (200). */
export async function registerKey(
  api: RegistryApi,
  session: SessionJwt,
  body: { armored: string; proof: string; nonce: string },
): Promise<{ fingerprint: string; created: boolean }> {
  const { status, data } = await api.call({
    method: 'POST',
    path: '/keys',
    auth: { session: session.token },
    json: body,
    what: 'registering the key',
  });
  return {
    fingerprint: Decoder.object(data, 'the key registration').string('fingerprint'),
    created: status === 201,
  };
}

export async function listRegisteredKeys(api: RegistryApi, session: SessionJwt): Promise<RegisteredKey[]> {
  const keys: RegisteredKey[] = [];
  for (let page = 1; ; page += 1) {
    const { data } = await api.call({
      method: 'GET',
      path: `/keys?page=${page}&per_page=100`,
      auth: { session: session.token },
      what: 'listing your registered keys',
    });
    const list = Decoder.object(data, 'the key list');
    const items = list.objects('items');
    for (const item of items) {
      keys.push({
        fingerprint: item.string('fingerprint'),
        algorithm: item.string('algorithm'),
        createdAt: item.string('created_at'),
        expiresAt: item.stringOrNull('expires_at'),
        registeredAt: item.string('registered_at'),
        revokedAt: item.stringOrNull('revoked_at'),
        revocationReason: item.stringOrNull('revocation_reason'),
        revocationPublished: item.boolean('revocation_published'),
      });
    }
    if (items.length === 0 || keys.length >= list.number('total')) return keys;
  }
}

/** What the registry did with a revocation (DELETE /keys/:fingerprint). */
export interface KeyRevocationAnswer {
  revokedAt: string;
  reason: string | null;
  /** Installers are told: keys/<FPR>.asc carries the revocation (once the worker rendered it). */
  published: boolean;
  changed: boolean;
  warnings: { code: string; message: string }[];
}

/**
 * Revokes a registered key. `revocation` is the armored public key carrying its OpenPGP
 * revocation (only the private key can make one): the registry publishes it in keys/<FPR>.asc.
 * Without it the registry alone knows, and says so in a warning.
 */
export async function revokeRegisteredKey(
  api: RegistryApi,
  session: SessionJwt,
  fingerprint: string,
  body: { reason: KeyRevocationReason | null; revocation: string | null },
): Promise<KeyRevocationAnswer> {
  const { data } = await api.call({
    method: 'DELETE',
    path: `/keys/${fingerprint}`,
    auth: { session: session.token },
    json: body.revocation === null ? { reason: body.reason } : body,
    what: `revoking the key ${fingerprint}`,
  });
  const answer = Decoder.object(data, 'the key revocation');
  return {
    revokedAt: answer.string('revoked_at'),
    reason: answer.stringOrNull('revocation_reason'),
    published: answer.boolean('revocation_published'),
    changed: answer.boolean('changed'),
    warnings: answer.objects('warnings').map((warning) => ({
      code: warning.string('code'),
      message: warning.string('message'),
    })),
  };
}
