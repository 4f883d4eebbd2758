import os from 'node:os';
import {
  createToken,
  revokeToken,
  TOKEN_SCOPES,
  type CreatedToken,
  type SessionJwt,
} from '../api/accounts.js';
import type { RegistryApi } from '../api/client.js';
import type { Session } from '../session.js';

/** How long the token `skills login` mints lives, unless `--expires-in` says otherwise. */
export const LOGIN_TOKEN_SECONDS = 30 * 24 * 60 * 60;

/**
 * The name of the token `skills login` mints: which computer and when, so `skills token list`
 * tells a person which token is which (`skills-cli on laptop, 2026-01-02 03:04Z`). ≤ 64 characters,
 * no control characters (the registry's rule).
 */
export function loginTokenName(now = new Date(), host = os.hostname()): string {
  const when = `${now.toISOString().slice(0, 16).replace('T', ' ')}Z`;
  const safeHost = host.replace(/[^\x21-\x7e]/g, '').slice(0, 24) || 'unknown-host';
  return `skills-cli on ${safeHost}, ${when}`;
}

export interface StoredLogin {
  token: CreatedToken;
  /** The token this computer held before for the same account, revoked now (null: none). */
  replaced: string | null;
}

/**
 * What `skills login` (and `signup`) do with a session: mint an API token with every scope and no
 * name pattern, store ONLY that token under the API origin in config.json (0600), and revoke the
 * token this computer stored before for the same account, so logging in again leaves one token.
 */
export async function mintLoginToken(
  session: Session,
  api: RegistryApi,
  jwt: SessionJwt,
  username: string,
  expiresInSeconds: number,
  onWarning: (message: string) => void,
): Promise<StoredLogin> {
  const token = await createToken(api, jwt, {
    name: loginTokenName(),
    scopes: TOKEN_SCOPES,
    skills: null,
    expiresInSeconds,
  });
  const previous = await session.updateConfig((config) => {
    const before = config.credentials[api.origin];
    config.credentials[api.origin] = {
      token: token.token,
      username,
      tokenId: token.id,
      expiresAt: token.expiresAt,
    };
    return before;
  });
  let replaced: string | null = null;
  if (previous?.tokenId && previous.username === username && previous.tokenId !== token.id) {
    try {
      await revokeToken(api, jwt, previous.tokenId);
      replaced = previous.tokenId;
    } catch (error) {
      // Already revoked or expired (404) is what we wanted; anything else is worth saying.
      if ((error as { registryCode?: string }).registryCode !== 'token_not_found') {
        onWarning(
          `the previous token (id ${previous.tokenId}) could not be revoked: ${(error as Error).message}`,
        );
      }
    }
  }
  return { token, replaced };
}
