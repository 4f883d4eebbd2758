import {
  CONFIG_PATH,
  FEED_HEAD_PATH,
  parseIndexConfig,
  SkillsError,
  type FeedHead,
  type IndexConfig,
} from '@skills/schema';
import { readHead } from '@skills/schema/reader';
import { verifyDetached } from '../pgp/verify.js';
import type { IndexTransport } from '../transport/types.js';

const HEAD_MAX_BYTES = 16 * 1024;
const SIGNATURE_MAX_BYTES = 64 * 1024;
const KEY_MAX_BYTES = 64 * 1024;
const CONFIG_MAX_BYTES = 64 * 1024;

export interface FetchedHead {
  head: FeedHead;
  /** The exact bytes read: the signature covers these. */
  bytes: Buffer;
  etag: string | null;
}

/** Sync step 1: GET feed/head.json with If-None-Match; 'not-modified' ends the sync. */
export async function fetchHead(
  transport: IndexTransport,
  options: { etag: string | null; noCache?: boolean },
): Promise<FetchedHead | 'not-modified'> {
  const result = await transport.get(FEED_HEAD_PATH, {
    maxBytes: HEAD_MAX_BYTES,
    etag: options.etag,
    ...(options.noCache ? { noCache: true } : {}),
  });
  if (result.status === 'not-modified') return 'not-modified';
  if (result.status === 'not-found') {
    throw new SkillsError('REGISTRY_NOT_FOUND', `${transport.where} has no ${FEED_HEAD_PATH}`, {
      hint: 'check the registry location (`skills registry list`); the index may be moving: try again later',
    });
  }
  return { head: readHead(result.bytes), bytes: result.bytes, etag: result.etag };
}

export interface FetchedConfig {
  config: IndexConfig;
  text: string;
  etag: string | null;
}

/** config.json, revalidated with the ETag of the copy held (kept when it answers 304). */
export async function fetchConfig(
  transport: IndexTransport,
  held: { text: string; etag: string | null } | null,
): Promise<FetchedConfig> {
  const result = await transport.get(CONFIG_PATH, {
    maxBytes: CONFIG_MAX_BYTES,
    etag: held?.etag ?? null,
  });
  if (result.status === 'not-found') {
    throw new SkillsError('REGISTRY_NOT_FOUND', `${transport.where} has no ${CONFIG_PATH}`, {
      hint: 'check the registry location (`skills registry list`)',
    });
  }
  if (result.status === 'not-modified') {
    if (held === null) throw new SkillsError('INTERNAL', 'config.json answered 304 unasked');
    return { config: parseIndexConfig(held.text), text: held.text, etag: held.etag };
  }
  const text = result.bytes.toString('utf8');
  return { config: parseIndexConfig(result.bytes), text, etag: result.etag };
}

/**
 * DESIGN §4 step 1 and §6: a registry whose key is pinned must name that key in config.json
 * and sign head.json with it; the signature is verified with `keys/<FPR>.asc` of the index,
 * which must be exactly that key. An unsigned head is refused then, and so is a head past its
 * `expires` (signed or not).
 */
export async function checkHead(
  transport: IndexTransport,
  fetched: FetchedHead,
  config: IndexConfig,
  pinnedKey: string | null,
  now: Date,
  noCache = false,
  signature?: Promise<HeadSignatureFiles>,
): Promise<void> {
  if (pinnedKey !== null) {
    if (config.signing_key !== pinnedKey) {
      throw new SkillsError(
        'REGISTRY_KEY_CHANGED',
        `the registry's config.json names the signing key ${config.signing_key ?? 'none'}, but ${pinnedKey} is pinned`,
        {
          hint:
            config.signing_key === null
              ? 'ask the operator why the registry stopped signing; nothing was synced'
              : `if the operator confirms the new key, add the registry again with --key ${config.signing_key} (after \`skills sync --reset\`)`,
        },
      );
    }
    await verifyHeadSignature(
      transport,
      fetched.bytes,
      pinnedKey,
      now,
      await (signature ?? fetchHeadSignature(transport, pinnedKey, noCache)),
    );
  }
  const expires = fetched.head.expires;
  if (expires !== null && Date.parse(expires) <= now.getTime()) {
    throw new SkillsError(
      'FEED_HEAD_EXPIRED',
      `${transport.where} serves a feed/head.json that expired at ${expires}`,
      { hint: 'a mirror or cache is serving an old head: try again later, or tell the registry operator' },
    );
  }
}

/** feed/head.json.asc and the pinned key's file, as the index answered for them. */
export interface HeadSignatureFiles {
  signature: Awaited<ReturnType<IndexTransport['get']>>;
  key: Awaited<ReturnType<IndexTransport['get']>>;
}

/**
 * Asks for both files at once. The sync starts this beside config.json, which it needs first:
 * three requests in one round trip instead of three, with every check still made in order.
 */
export async function fetchHeadSignature(
  transport: IndexTransport,
  fingerprint: string,
  noCache: boolean,
): Promise<HeadSignatureFiles> {
  const [signature, key] = await Promise.all([
    transport.get(`${FEED_HEAD_PATH}.asc`, {
      maxBytes: SIGNATURE_MAX_BYTES,
      ...(noCache ? { noCache: true } : {}),
    }),
    transport.get(`keys/${fingerprint}.asc`, { maxBytes: KEY_MAX_BYTES }),
  ]);
  return { signature, key };
}

async function verifyHeadSignature(
  transport: IndexTransport,
  bytes: Buffer,
  fingerprint: string,
  now: Date,
  { signature, key }: HeadSignatureFiles,
): Promise<void> {
  const unsigned = (why: string): SkillsError =>
    new SkillsError('HEAD_SIGNATURE_INVALID', `feed/head.json of ${transport.where} ${why}`, {
      hint: 'nothing was synced; run `skills sync` again, and if it persists report it to the registry operator',
    });
  if (signature.status !== 'ok')
    throw unsigned(`is not signed, but the registry key ${fingerprint} is pinned`);
  if (key.status !== 'ok') throw unsigned(`cannot be checked: the index has no keys/${fingerprint}.asc`);
  try {
    await verifyDetached({
      bytes,
      signature: signature.bytes.toString('utf8'),
      publicKey: key.bytes.toString('utf8'),
      fingerprint,
      at: now,
    });
  } catch (error) {
    if (!(error instanceof SkillsError)) throw error;
    throw new SkillsError(
      'HEAD_SIGNATURE_INVALID',
      `feed/head.json of ${transport.where} is not signed by the pinned key ${fingerprint}: ${error.message}`,
      {
        hint: 'nothing was synced; the head was altered or signed by another key: report it to the registry operator',
        cause: error,
      },
    );
  }
}
