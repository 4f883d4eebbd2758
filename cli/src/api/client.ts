import { printable, SkillsError } from '@skills/schema';
import type { HttpResponse } from '../http/client.js';
import { apiOrigin } from '../registry/credentials.js';
import { checkSecure } from '../registry/location.js';
import { readPin } from '../registry/pins.js';
import { selectRegistry, type SelectedRegistry } from '../registry/select.js';
import type { Session } from '../session.js';
import { problemError, retryAfterSeconds } from './problems.js';

/**
 * Who a request is sent as: nobody, the API token for the API origin (tokenLookup: SKILLS_TOKEN
 * first), a session JWT, or one given API token (logout revokes the stored one, whatever the env).
 */
export type ApiAuth = 'none' | 'token' | { session: string } | { apiToken: string };

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under the API base, starting with `/` (`/skills/ada-notes/owners`). */
  path: string;
  auth: ApiAuth;
  /** A JSON body. */
  json?: unknown;
  /** Any other body (the multipart upload). */
  body?: { bytes: Uint8Array; contentType: string };
  /** What the request does, for error messages: "publishing ada-notes@0.1.0". */
  what: string;
}

export interface ApiResponse {
  status: number;
  /** The parsed JSON body; undefined for an empty one (204). */
  data: unknown;
}

/** API answers are small JSON documents; anything larger is a broken or hostile server. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** How often a `503 starting` is waited out before giving up. */
const STARTING_RETRIES = 5;

/**
 * The registry's publish API (DESIGN §5) for one configured registry, at the API base PINNED when
 * the registry was added (registry/pins.ts) — never one a later config.json announces. The stored
 * API token goes only to that origin (HttpClient drops it on a redirect elsewhere), and refusals
 * come back as SkillsErrors with the registry's message, our code and a hint (problems.ts).
 */
export class RegistryApi {
  private constructor(
    private readonly session: Session,
    readonly registry: SelectedRegistry & { name: string },
    /** The pinned API base, without a trailing slash (`https://host/api/v1`). */
    readonly base: string,
    /** Credentials are stored and sent per this origin. */
    readonly origin: string,
    /** ` --registry <name>` when this is not the default registry, for commands shown in hints. */
    readonly flag: string,
  ) {}

  /** The API of the registry a command selected (`--registry`, else the default). */
  static async open(session: Session, option: string | undefined): Promise<RegistryApi> {
    const selected = await selectRegistry(session, option);
    const { name, record } = selected;
    if (name === null) {
      throw new SkillsError(
        'REGISTRY_UNKNOWN',
        `${printable(record.location)} is not a configured registry`,
        {
          hint: 'accounts and publishing need a registry added first: `skills registry add <name> <url>`',
        },
      );
    }
    const pin = await readPin(session.home, record.location);
    if (pin === null) {
      throw new SkillsError('STATE_INVALID', `nothing is pinned for the registry "${name}"`, {
        hint: `add it again so its key and API are pinned: \`skills registry remove ${name}\`, then \`skills registry add ${name} ${record.location}\``,
      });
    }
    if (pin.api !== record.api) {
      throw new SkillsError(
        'REGISTRY_API_CHANGED',
        `the API of "${name}" changed: ${pin.api ?? 'none'} was pinned, config.json now names ${printable(record.api ?? 'none')}`,
        {
          hint:
            record.api === null
              ? 'ask the operator why; your credentials stay with the pinned API'
              : `if the operator confirms the move, add the registry again with --api ${record.api}`,
        },
      );
    }
    const origin = apiOrigin(pin.api);
    if (pin.api === null || origin === null) {
      throw new SkillsError('REGISTRY_READ_ONLY', `the registry "${name}" has no publish API`, {
        hint: 'it is read-only (its config.json names no "api"): publish to a registry server, or ask its operator',
      });
    }
    // Before any credential is looked up: plain http is refused except on loopback (DESIGN §6).
    checkSecure(pin.api, record.allowHttp);
    const flag = (await session.config()).defaultRegistry === name ? '' : ` --registry ${name}`;
    return new RegistryApi(session, { name, record }, pin.api.replace(/\/+$/, ''), origin, flag);
  }

  /** The stored (or env-given) API token for this registry's API origin, or null. */
  async token(): Promise<string | null> {
    return (await this.session.tokenLookup())(this.origin);
  }

  async call(request: ApiRequest): Promise<ApiResponse> {
    const bearer = await this.bearerFor(request.auth);
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: Uint8Array | string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.body !== undefined) {
      headers['content-type'] = request.body.contentType;
      body = request.body.bytes;
    }
    const url = `${this.base}${request.path}`;
    let response: HttpResponse;
    for (let attempt = 0; ; attempt += 1) {
      response = await this.session.http.request(url, {
        method: request.method,
        headers,
        ...(body === undefined ? {} : { body }),
        maxBytes: MAX_ANSWER_BYTES,
        allowHttp: this.registry.record.allowHttp,
        ...(bearer === undefined ? {} : { bearer }),
      });
      if (!(response.status === 503 && attempt < STARTING_RETRIES && isStarting(response))) break;
      const wait = Math.min(retryAfterSeconds(response.headers['retry-after']) ?? 1, 5);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
    if (response.status < 200 || response.status > 299) {
      throw problemError(response.status, response.headers, response.body, request.what);
    }
    if (response.body.length === 0) return { status: response.status, data: undefined };
    try {
      return { status: response.status, data: JSON.parse(response.body.toString('utf8')) as unknown };
    } catch (error) {
      throw new SkillsError(
        'HTTP_ERROR',
        `${request.what}: the registry answered ${response.status} with a body that is not JSON`,
        {
          hint: 'something between you and the registry (a proxy?) answered instead of it; check the registry URL',
          cause: error,
        },
      );
    }
  }

  private async bearerFor(auth: ApiAuth): Promise<string | undefined> {
    if (auth === 'none') return undefined;
    if (typeof auth === 'object') return 'session' in auth ? auth.session : auth.apiToken;
    const token = await this.token();
    if (token === null) {
      throw new SkillsError(
        'AUTH_REQUIRED',
        `you are not logged in to "${this.registry.name}" (${this.origin})`,
        {
          hint: `run \`skills login${this.flag}\`, or set SKILLS_TOKEN`,
        },
      );
    }
    return token;
  }
}

function isStarting(response: HttpResponse): boolean {
  return response.body.includes('"starting"');
}
