import type { RegistryApi } from './client.js';
import { Decoder } from './decode.js';

/** The four scopes of an API token (DESIGN §5 Auth). */
export const TOKEN_SCOPES = ['publish-new', 'publish-update', 'yank', 'owners'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** The registry's cap on a token's life (DESIGN §5: ≤ 90 days). */
export const TOKEN_MAX_SECONDS = 90 * 24 * 60 * 60;
export const TOKEN_MIN_SECONDS = 60;

export interface Account {
  username: string;
  email: string;
  isAdmin: boolean;
  createdAt: string;
}

export interface SessionJwt {
  token: string;
  expiresAt: string;
}

export interface TokenRequest {
  name: string;
  scopes: readonly TokenScope[];
  /** Exact names or `prefix*`; null for every skill the user may act on. */
  skills: readonly string[] | null;
  expiresInSeconds: number;
}

export interface TokenInfo {
  id: string;
  name: string;
  scopes: string[];
  skills: string[] | null;
  expiresAt: string;
  createdAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The secret: the registry shows it this once. */
  token: string;
}

export async function signUp(
  api: RegistryApi,
  input: { username: string; email: string; password: string },
): Promise<string> {
  const { data } = await api.call({
    method: 'POST',
    path: '/users',
    auth: 'none',
    json: input,
    what: `signing up as ${input.username}`,
  });
  return Decoder.object(data, 'the sign-up').string('username');
}

/** POST /auth/login: a session JWT (one hour), used once and then ended with {@link endSession}. */
export async function logIn(api: RegistryApi, username: string, password: string): Promise<SessionJwt> {
  const { data } = await api.call({
    method: 'POST',
    path: '/auth/login',
    auth: 'none',
    json: { username, password },
    what: `logging in as ${username}`,
  });
  const answer = Decoder.object(data, 'the login');
  return { token: answer.string('token'), expiresAt: answer.string('expires_at') };
}

/** Ends a session at once, so a JWT we no longer need is worth nothing to whoever finds it. */
export async function endSession(api: RegistryApi, session: SessionJwt): Promise<void> {
  await api.call({
    method: 'POST',
    path: '/auth/logout',
    auth: { session: session.token },
    what: 'ending the session',
  });
}

export async function whoAmI(api: RegistryApi): Promise<Account> {
  const { data } = await api.call({ method: 'GET', path: '/me', auth: 'token', what: 'asking who you are' });
  const me = Decoder.object(data, 'GET /me');
  return {
    username: me.string('username'),
    email: me.string('email'),
    isAdmin: me.boolean('is_admin'),
    createdAt: me.string('created_at'),
  };
}

export async function createToken(
  api: RegistryApi,
  session: SessionJwt,
  request: TokenRequest,
): Promise<CreatedToken> {
  const { data } = await api.call({
    method: 'POST',
    path: '/tokens',
    auth: { session: session.token },
    json: {
      name: request.name,
      scopes: request.scopes,
      ...(request.skills === null ? {} : { skills: request.skills }),
      expires_in: request.expiresInSeconds,
    },
    what: 'creating an API token',
  });
  const created = Decoder.object(data, 'the new token');
  return { ...tokenInfo(created), token: created.string('token') };
}

/** Every live token of the account, newest first (all pages). */
export async function listTokens(api: RegistryApi, session: SessionJwt): Promise<TokenInfo[]> {
  const tokens: TokenInfo[] = [];
  for (let page = 1; ; page += 1) {
    const { data } = await api.call({
      method: 'GET',
      path: `/tokens?page=${page}&per_page=100`,
      auth: { session: session.token },
      what: 'listing your API tokens',
    });
    const list = Decoder.object(data, 'the token list');
    const items = list.objects('items');
    tokens.push(...items.map(tokenInfo));
    if (items.length === 0 || tokens.length >= list.number('total')) return tokens;
  }
}

export async function revokeToken(api: RegistryApi, session: SessionJwt, id: string): Promise<void> {
  await api.call({
    method: 'DELETE',
    path: `/tokens/${encodeURIComponent(id)}`,
    auth: { session: session.token },
    what: `revoking the API token ${id}`,
  });
}

/** DELETE /tokens/current: the token revokes itself, so logging out needs no password. */
export async function revokeOwnToken(api: RegistryApi, token: string): Promise<void> {
  await api.call({
    method: 'DELETE',
    path: '/tokens/current',
    auth: { apiToken: token },
    what: 'revoking the stored API token',
  });
}

function tokenInfo(item: Decoder): TokenInfo {
  return {
    id: String(item.number('id')),
    name: item.string('name'),
    scopes: item.strings('scopes'),
    skills: item.stringsOrNull('skills'),
    expiresAt: item.string('expires_at'),
    createdAt: item.stringOrNull('created_at'),
    lastUsedAt: item.stringOrNull('last_used_at'),
  };
}
