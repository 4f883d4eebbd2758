import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { createMessage, enums, generateKey, revokeKey, sign, type PrivateKey } from 'openpgp';
import express from 'express';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { pack } from '@skills/schema/archive';
import { loadConfig } from '../src/config.js';
import { DEMO_USER, publishExamples } from '../src/demo.js';
import type * as AppModule from '../src/http/app.js';
import { OPENAPI_FILE, openapiRoutes } from '../src/http/openapi.js';
import { errorHandler } from '../src/http/problem.js';
import { startServer, type RunningRegistry } from '../src/server.js';

/**
 * Keeps docs/openapi.yaml true in both directions:
 * - the description itself: OpenAPI 3.1, every $ref resolves, path parameters match the templates,
 *   every object schema is closed, and ajv (strict) compiles every schema;
 * - served ⊆ documented ⊆ served: the Express routers of the real app (captured from createApp)
 *   are walked, and every `/api/v1` and `/.well-known` route must be documented with its method,
 *   and every documented operation must be requested below without ever reaching the app's
 *   fallback 404 `not_found`;
 * - answers: a real server with the examples published is asked, through the description (paths,
 *   methods and parameters come from it), for successes and failures of every operation; each
 *   answer's status must be listed explicitly, its Content-Type documented, its body valid against
 *   the schema for that status (closed schemas: an undocumented member fails), and its `code` one
 *   the schema lists. At the end every documented status of every operation must have been seen,
 *   except the few listed in UNEXERCISED with the reason they cannot be provoked here.
 */

// ---------------------------------------------------------------------------------------------
// The app the server builds, captured so its routers can be walked.

const captured = vi.hoisted(() => ({ apps: [] as unknown[] }));
vi.mock('../src/http/app.js', async (importOriginal) => {
  const actual = await importOriginal<typeof AppModule>();
  return {
    ...actual,
    createApp: (...args: Parameters<typeof actual.createApp>) => {
      const app = actual.createApp(...args);
      captured.apps.push(app);
      return app;
    },
  };
});

// ---------------------------------------------------------------------------------------------
// The description.

type Json = Record<string, unknown>;

const spec = parse(readFileSync(OPENAPI_FILE, 'utf8')) as Json;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const API_PREFIXES = ['/api/v1/', '/.well-known/'];
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, where: string): Json {
  if (!isObject(value)) throw new Error(`${where} is not an object`);
  return value;
}

/** The target of a local `$ref` (`#/components/...`). */
function target(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local $refs are used: ${ref}`);
  let node: unknown = spec;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isObject(node) || !(key in node)) throw new Error(`$ref ${ref} does not resolve`);
    node = node[key];
  }
  return node;
}

/** A response, parameter or other object, following its `$ref`. */
function deref(value: unknown, where: string): Json {
  const node = object(value, where);
  return typeof node.$ref === 'string' ? deref(target(node.$ref), node.$ref) : node;
}

interface Operation {
  id: string;
  method: string;
  path: string;
  op: Json;
  parameters: Json[];
}

const paths = object(spec.paths, 'paths');
const operations = new Map<string, Operation>();
for (const [template, item] of Object.entries(paths)) {
  const pathItem = object(item, template);
  const shared = ((pathItem.parameters as unknown[]) ?? []).map((p) => deref(p, `${template} parameter`));
  for (const method of METHODS) {
    if (pathItem[method] === undefined) continue;
    const op = object(pathItem[method], `${method} ${template}`);
    const own = ((op.parameters as unknown[]) ?? []).map((p) => deref(p, `${op.operationId} parameter`));
    const id = String(op.operationId);
    if (operations.has(id)) throw new Error(`operationId ${id} is used twice`);
    operations.set(id, {
      id,
      method: method.toUpperCase(),
      path: template,
      op,
      parameters: [...shared, ...own],
    });
  }
}

function operation(id: string): Operation {
  const found = operations.get(id);
  if (found === undefined) throw new Error(`no operation ${id} is documented`);
  return found;
}

const isFileOperation = (op: Operation): boolean =>
  !API_PREFIXES.some((prefix) => op.path.startsWith(prefix));

/** Every `$ref` to a component schema becomes a ref into one schema ajv knows by this id. */
const COMPONENTS_ID = 'https://skills.invalid/openapi/components.json';
function forAjv(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/components/schemas/')
        ? `${COMPONENTS_ID}#/$defs/${value.slice('#/components/schemas/'.length)}`
        : forAjv(value);
  }
  return out;
}

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
ajv.addFormat('binary', true);
const componentSchemas = object(object(spec.components, 'components').schemas, 'components.schemas');
ajv.addSchema({ $id: COMPONENTS_ID, $defs: forAjv(componentSchemas) });

const validators = new Map<string, ValidateFunction>();
function validator(key: string, schema: unknown): ValidateFunction {
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = ajv.compile(object(forAjv(schema), key));
    validators.set(key, validate);
  }
  return validate;
}

const JSON_TYPES = new Set(['application/json', 'application/problem+json']);

/** Files are bytes: config.json is JSON, but its format is docs/INDEX_FORMAT.md's business. */
function isBinary(schema: unknown): boolean {
  return isObject(schema) && schema.format === 'binary';
}

// ---------------------------------------------------------------------------------------------
// Calling the server through the description.

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Json | null;
}

interface Call {
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** The bearer credential; none when absent. */
  auth?: string;
  json?: unknown;
  body?: string | Uint8Array | FormData;
  headers?: Record<string, string>;
}

let registry: RunningRegistry;
let dataDir: string;
/** operationId → statuses answered. */
const seen = new Map<string, Set<number>>();

function urlOf(op: Operation, call: Call): string {
  const pathname = op.path.replace(/\{([^}]+)\}/g, (_all, name: string) => {
    const value = call.params?.[name];
    if (value === undefined) throw new Error(`${op.id} needs the path parameter ${name}`);
    // A `path` parameter spans segments (`docs/README.md`): each segment is encoded on its own.
    return name === 'path' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
  const query = new URLSearchParams(call.query ?? {}).toString();
  return `${registry.url}${pathname}${query === '' ? '' : `?${query}`}`;
}

async function call(id: string, call: Call = {}): Promise<Answer> {
  const op = operation(id);
  const headers: Record<string, string> = { ...call.headers };
  if (call.auth !== undefined) headers.authorization = `Bearer ${call.auth}`;
  let body: string | Uint8Array | FormData | undefined = call.body;
  if (call.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(call.json);
  }
  const response = await fetch(urlOf(op, call), {
    method: op.method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const answer = await answerOf(response.status, response.headers, Buffer.from(await response.arrayBuffer()));
  check(op, answer);
  if (call.json !== undefined && answer.status < 300) checkRequest(op, call.json);
  return answer;
}

/** A request sent with node:http, for what fetch will not send (a false Content-Length). */
async function callRaw(id: string, call: Call & { headers: Record<string, string> }): Promise<Answer> {
  const op = operation(id);
  const headers: Record<string, string> = { ...call.headers };
  if (call.auth !== undefined) headers.authorization = `Bearer ${call.auth}`;
  const answer = await new Promise<Answer>((resolve, reject) => {
    const request = httpRequest(urlOf(op, call), { method: op.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const fetched = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') fetched.set(name, value);
        }
        request.destroy();
        void answerOf(response.statusCode ?? 0, fetched, Buffer.concat(chunks)).then(resolve, reject);
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
  check(op, answer);
  return answer;
}

async function answerOf(status: number, headers: Headers, bytes: Buffer): Promise<Answer> {
  const text = bytes.toString('utf8');
  const type = (headers.get('content-type') ?? '').split(';')[0]!.trim();
  let body: Json | null = null;
  try {
    if (JSON_TYPES.has(type) && text !== '') body = JSON.parse(text) as Json;
  } catch {
    // a byte range of a JSON file, say: checked against the schema only when one is documented
  }
  return { status, headers, text, body };
}

function fail(op: Operation, answer: Answer, message: string): never {
  throw new Error(
    `${op.method} ${op.path} (${op.id}) answered ${answer.status}: ${message}\n${answer.text.slice(0, 600)}`,
  );
}

/** The answer must be what the description says for its status. */
function check(op: Operation, answer: Answer): void {
  const responses = object(op.op.responses, `${op.id} responses`);
  const documented = responses[String(answer.status)];
  if (documented === undefined) fail(op, answer, 'this status is not documented for the operation');
  if (!isFileOperation(op) && answer.status === 404 && answer.body?.code === 'not_found')
    fail(op, answer, 'the request reached no route (the fallback 404): the documented path is not served');
  const response = deref(documented, `${op.id} ${answer.status}`);
  for (const [name, header] of Object.entries((response.headers as Json | undefined) ?? {})) {
    if (deref(header, name).required === true && !answer.headers.has(name))
      fail(op, answer, `the documented header ${name} is missing`);
  }
  const content = response.content as Json | undefined;
  const type = (answer.headers.get('content-type') ?? '').split(';')[0]!.trim();
  if (op.method === 'HEAD') {
    expect(answer.text, `${op.id}: a HEAD answer has no body`).toBe('');
  } else if (content === undefined) {
    if (answer.text !== '') fail(op, answer, 'a body came where none is documented');
  } else {
    const media = content[type];
    if (media === undefined) fail(op, answer, `the Content-Type ${type || '(none)'} is not documented`);
    const schema = object(media, type).schema;
    if (JSON_TYPES.has(type) && !isBinary(schema)) {
      if (answer.body === null) fail(op, answer, 'the body is not JSON');
      const validate = validator(`${op.id} ${answer.status} ${type}`, schema);
      if (!validate(answer.body)) fail(op, answer, ajv.errorsText(validate.errors));
    }
  }
  let statuses = seen.get(op.id);
  if (statuses === undefined) seen.set(op.id, (statuses = new Set()));
  statuses.add(answer.status);
}

/** A JSON body the server accepted must satisfy the documented request schema too. */
function checkRequest(op: Operation, json: unknown): void {
  const requestBody = op.op.requestBody === undefined ? null : deref(op.op.requestBody, `${op.id} body`);
  const media = requestBody === null ? undefined : object(requestBody.content, op.id)['application/json'];
  if (media === undefined) throw new Error(`${op.id} accepted a JSON body it does not document`);
  const validate = validator(`${op.id} request`, object(media, op.id).schema);
  if (!validate(json))
    throw new Error(`${op.id}: the accepted request body ${ajv.errorsText(validate.errors)}`);
}

function expectProblem(answer: Answer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body?.code }, answer.text).toEqual({ status, code });
}

// ---------------------------------------------------------------------------------------------
// Fixtures: accounts, keys, packages.

async function newKey(name: string): Promise<PrivateKey> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name }],
    format: 'object',
  });
  return privateKey;
}

async function detached(key: PrivateKey, bytes: Uint8Array | string): Promise<string> {
  const binary = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  return (await sign({
    message: await createMessage({ binary }),
    signingKeys: key,
    detached: true,
  })) as string;
}

async function buildPackage(
  name: string,
  version: string,
  options: { yaml?: string; skillYaml?: string; files?: Record<string, string | Buffer> } = {},
): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'skills-openapi-pkg-'));
  try {
    const files: Record<string, string | Buffer> = {
      'SKILL.md': `---\nname: ${name}\ndescription: The ${name} skill, for the API description tests.\n---\n\n# ${name}\n`,
      'skill.yaml': options.skillYaml ?? `name: ${name}\nversion: '${version}'\n${options.yaml ?? ''}`,
      'docs/usage.md': `# Using ${name}\n`,
      ...options.files,
    };
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    return (await pack(dir)).bytes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function publish(
  auth: string | undefined,
  tarball: Uint8Array,
  signature: string | null,
): Promise<Answer> {
  const form = new FormData();
  form.append('tarball', new Blob([tarball], { type: 'application/gzip' }), 'skill.tgz');
  if (signature !== null) form.append('signature', signature);
  return call('publishSkill', { ...(auth === undefined ? {} : { auth }), body: form });
}

async function signUp(username: string): Promise<Answer> {
  return call('signUp', { json: { username, email: `${username}@example.org`, password: PASSWORD } });
}

async function login(username: string, password = PASSWORD): Promise<string> {
  const answer = await call('login', { json: { username, password } });
  expect(answer.status, answer.text).toBe(200);
  return String(answer.body!.token);
}

async function registerKey(session: string, username: string, key: PrivateKey): Promise<Answer> {
  const challenge = await call('getKeyChallenge', { auth: session });
  expect(challenge.status).toBe(200);
  const proof = await detached(key, `skills-key:${username}:${String(challenge.body!.nonce)}`);
  return call('registerKey', { auth: session, json: { armored: key.toPublic().armor(), proof } });
}

async function createToken(session: string, json: Json): Promise<string> {
  const answer = await call('createToken', { auth: session, json });
  expect(answer.status, answer.text).toBe(201);
  return String(answer.body!.token);
}

async function userId(username: string): Promise<number> {
  const { rows } = await registry.ctx.db.query<{ id: number }>('SELECT id FROM users WHERE username = $1', [
    username,
  ]);
  return rows[0]!.id;
}

/** Empties a rate-limit bucket, so the next action it counts is refused. */
async function drain(key: string): Promise<void> {
  await registry.ctx.db.query(
    `INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, 0, $2)
     ON CONFLICT (key) DO UPDATE SET tokens = 0, updated_at = $2`,
    [key, registry.ctx.now()],
  );
}

async function refill(key: string): Promise<void> {
  await registry.ctx.db.query('DELETE FROM rate_buckets WHERE key = $1', [key]);
}

/** Waits until the index (and the read model) has the version, or has dropped it. */
async function indexed(name: string, version: string, present = true): Promise<void> {
  registry.worker!.kick();
  await registry.worker!.idle();
  for (let i = 0; i < 200; i += 1) {
    const response = await fetch(`${registry.url}/api/v1/skills/${name}/${version}`);
    const body = (await response.json()) as Json;
    if (present ? body.indexed === true : response.status === 404) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name}@${version} did not ${present ? 'reach' : 'leave'} the index`);
}

const PASSWORD = 'correct horse battery staple';
const IP = '127.0.0.1';

/** Documented statuses no request here can provoke, each with the reason. */
const UNEXERCISED: Record<string, string> = {
  'getHealth 503': 'needs a database that stops answering or a broken feed table',
  'gitInfoRefs 501': 'needs a host without git',
  'gitInfoRefs 502': 'needs a git http-backend that answers garbage',
  'gitInfoRefs 504': 'needs git to hang for 120 s',
  'gitUploadPack 413': 'git http-backend answers every body tried before 8 MiB of it arrive',
  'gitUploadPack 501': 'needs a host without git',
  'gitUploadPack 502': 'needs a git http-backend that answers garbage',
  'gitUploadPack 504': 'needs git to hang for 120 s',
};

// ---------------------------------------------------------------------------------------------

describe('docs/openapi.yaml as a document', () => {
  it('is OpenAPI 3.1 with unique operation ids and path parameters matching the templates', () => {
    expect(spec.openapi).toMatch(/^3\.1\.\d+$/);
    for (const op of operations.values()) {
      const inTemplate = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      const declared = op.parameters
        .filter((p) => p.in === 'path')
        .map((p) => String(p.name))
        .sort();
      expect(declared, `${op.id} path parameters`).toEqual(inTemplate);
      for (const p of op.parameters.filter((p) => p.in === 'path')) expect(p.required, op.id).toBe(true);
      const statuses = Object.keys(object(op.op.responses, op.id)).filter((key) => key !== 'default');
      // gitReceivePack documents a refusal: pushing is never allowed.
      const success = statuses.some((status) => Number(status) < 400);
      expect(success || op.id === 'gitReceivePack', `${op.id} has a success`).toBe(true);
      expect(op.op.responses, `${op.id} has a default`).toHaveProperty('default');
      for (const status of statuses) expect(status, op.id).toMatch(/^[1-5]\d\d$/);
    }
  });

  it('resolves every $ref', () => {
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${where}[${i}]`));
      if (!isObject(node)) return;
      if (typeof node.$ref === 'string') expect(() => target(node.$ref as string), where).not.toThrow();
      for (const [key, value] of Object.entries(node)) visit(value, `${where}.${key}`);
    };
    visit(spec, '#');
  });

  it('closes every object schema (additionalProperties: false, or a schema for maps)', () => {
    const open: string[] = [];
    const visit = (node: unknown, where: string, refinement = false): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${where}[${i}]`));
      if (!isObject(node)) return;
      const types = Array.isArray(node.type) ? node.type : [node.type];
      const isObjectSchema = types.includes('object') || isObject(node.properties);
      // `allOf: [{$ref: Problem}, {properties: {code: {enum}}}]` narrows a closed schema: not a new object.
      if (
        isObjectSchema &&
        !refinement &&
        (!('additionalProperties' in node) || node.additionalProperties === true)
      )
        open.push(where);
      for (const [key, value] of Object.entries(node)) {
        if (
          key === 'allOf' &&
          Array.isArray(value) &&
          value.some((item) => isObject(item) && '$ref' in item)
        ) {
          value.forEach((item, i) => visit(item, `${where}.allOf[${i}]`, true));
        } else if (!`${where}.${key}`.endsWith('OpenApiDocument.properties')) {
          // The members of the OpenAPI document itself (info, paths…) are OpenAPI's, not ours.
          visit(value, `${where}.${key}`);
        }
      }
    };
    visit(componentSchemas, '#/components/schemas');
    for (const op of operations.values()) {
      visit(op.op.requestBody, `${op.id} requestBody`);
      visit(op.op.responses, `${op.id} responses`);
    }
    expect(open).toEqual([]);
  });

  it('compiles every schema with ajv in strict mode', () => {
    for (const name of Object.keys(componentSchemas)) {
      expect(() => ajv.getSchema(`${COMPONENTS_ID}#/$defs/${name}`), name).not.toThrow();
    }
    for (const op of operations.values()) {
      for (const [status, documented] of Object.entries(object(op.op.responses, op.id))) {
        const content = (deref(documented, `${op.id} ${status}`).content as Json | undefined) ?? {};
        for (const [type, media] of Object.entries(content)) {
          const schema = object(media, type).schema;
          if (JSON_TYPES.has(type) && !isBinary(schema)) validator(`${op.id} ${status} ${type}`, schema);
        }
      }
      if (op.op.requestBody !== undefined) {
        for (const media of Object.values(object(deref(op.op.requestBody, op.id).content, op.id)))
          expect(() => ajv.compile(object(forAjv(object(media, op.id).schema), op.id))).not.toThrow();
      }
    }
  });
});

describe('openapiRoutes', () => {
  async function serve(
    options: Parameters<typeof openapiRoutes>[0],
  ): Promise<{ url: string; close(): void }> {
    const app = express();
    app.use(openapiRoutes(options));
    app.use(errorHandler);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}/api/v1/openapi.json`, close: () => server.close() };
  }

  it('answers the file as it is without a public URL, and 500 internal while it cannot be read', async () => {
    const plain = await serve({});
    try {
      const body = (await (await fetch(plain.url)).json()) as Json;
      expect(body.servers).toEqual(spec.servers);
    } finally {
      plain.close();
    }
    const missing = path.join(tmpdir(), `no-such-openapi-${process.pid}.yaml`);
    const broken = await serve({ file: missing });
    try {
      const first = await fetch(broken.url);
      expect({ status: first.status, code: ((await first.json()) as Json).code }).toEqual({
        status: 500,
        code: 'internal',
      });
      await writeFile(missing, 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\n');
      const second = await fetch(broken.url);
      expect(((await second.json()) as Json).openapi).toBe('3.1.0');
    } finally {
      broken.close();
      await rm(missing, { force: true });
    }
  });
});

describe('docs/openapi.yaml against the real server (examples published)', () => {
  let demo: { password: string };
  let alice: { session: string; token: string; narrow: string; key: PrivateKey };
  let bob: { session: string; token: string; key: PrivateKey };
  let carol: { session: string };
  let examples: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'skills-openapi-'));
    const config = await loadConfig({ env: { SKILLS_DATA_DIR: dataDir }, port: 0 });
    registry = await startServer(config, { logger: pino({ level: 'silent' }), workerPollMs: 100 });
    examples = (await publishExamples(registry, EXAMPLES)).published.length;
    expect(examples).toBeGreaterThan(0);
    // The demo publisher's password (DEMO_USER owns the examples).
    const state = JSON.parse(await readFile(path.join(dataDir, 'demo-publisher.json'), 'utf8')) as {
      password: string;
    };
    demo = { password: state.password };
  }, 180_000);

  afterAll(async () => {
    await registry?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('serves exactly the documented /api/v1 and /.well-known routes', () => {
    expect(captured.apps).toHaveLength(1);
    const served = new Set<string>();
    const fileMounts = new Set<string>();
    const walk = (stack: unknown[], prefix: string): void => {
      for (const raw of stack) {
        const layer = raw as { route?: { path: unknown; methods: Json }; handle: unknown; rawPath?: unknown };
        if (layer.route !== undefined) {
          const route = prefix + String(layer.route.path);
          for (const method of Object.keys(layer.route.methods)) {
            const at = route.replace(/:(\w+)/g, '{$1}').replace(/\*(\w+)/g, '{$1}');
            served.add(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${at}`);
          }
          continue;
        }
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        const handle = layer.handle as { stack?: unknown[]; length: number };
        if (Array.isArray(handle.stack)) walk(handle.stack, prefix + mount);
        // A middleware on a path answers requests there (static trees); error handlers do not.
        else if (mount !== '' && handle.length < 4) fileMounts.add(prefix + mount);
      }
    };
    const app = captured.apps[0] as { router: { stack: unknown[] } };
    walk(app.router.stack, '');

    const isApi = (route: string): boolean =>
      API_PREFIXES.some((prefix) => route.split(' ')[1]!.startsWith(prefix));
    const documented = new Set([...operations.values()].map((op) => `${op.method} ${op.path}`));
    expect([...served].filter(isApi).sort()).toEqual([...documented].filter(isApi).sort());
    for (const mount of fileMounts) {
      expect(
        API_PREFIXES.some((prefix) => mount.startsWith(prefix)),
        `middleware mounted at ${mount}`,
      ).toBe(false);
    }

    // The file endpoints: each served prefix is documented, and each documented path is under one.
    const literal = (route: string): string => route.split(/[{:*]/)[0]!.replace(/\/$/, '');
    const servedFiles = [
      ...[...served].filter((route) => !isApi(route)).map((r) => r.split(' ')[1]!),
      ...fileMounts,
    ];
    const documentedFiles = [...operations.values()].filter(isFileOperation).map((op) => op.path);
    for (const route of servedFiles)
      expect(
        documentedFiles.some((doc) => doc.startsWith(literal(route))),
        `${route} is documented`,
      ).toBe(true);
    for (const doc of documentedFiles)
      expect(
        servedFiles.some((route) => doc.startsWith(literal(route))),
        `${doc} is served`,
      ).toBe(true);
  });

  it('answers every operation the documented 401/403/400/413 for credentials and bodies', async () => {
    const session = await login(DEMO_USER, demo.password);
    const token = await createToken(session, { name: 'generic', scopes: ['yank'] });
    const params = {
      name: 'code-review',
      version: '1.4.0',
      id: '1',
      fingerprint: 'A'.repeat(40),
      path: 'config.json',
    };
    for (const op of operations.values()) {
      const needed = op.parameters.filter((p) => p.in === 'path').map((p) => String(p.name));
      const ownParams = Object.fromEntries(needed.map((name) => [name, params[name as keyof typeof params]]));
      const base = { params: ownParams };
      // A broken credential is refused everywhere, also where none is needed.
      expectProblemOrHead(
        op,
        await call(op.id, { ...base, auth: 'not-a-credential' }),
        401,
        'invalid_credential',
      );
      expectProblemOrHead(op, await call(op.id, { ...base, auth: 'skl_0000' }), 401, 'invalid_credential');

      const security = (op.op.security as Json[] | undefined) ?? (spec.security as Json[]);
      if (security.length > 0) {
        expectProblem(await call(op.id, base), 401, 'unauthorized');
        if (security.every((requirement) => 'session' in requirement))
          expectProblem(await call(op.id, { ...base, auth: token }), 403, 'session_required');
      }
      const requestBody = op.op.requestBody === undefined ? null : deref(op.op.requestBody, op.id);
      if (requestBody !== null && 'application/json' in object(requestBody.content, op.id)) {
        const json = { ...base, auth: session, headers: { 'content-type': 'application/json' } };
        expectProblem(await call(op.id, { ...json, body: '{"username": ' }), 400, 'invalid_json');
        const huge = JSON.stringify({ padding: 'x'.repeat(70 * 1024) });
        expectProblem(await call(op.id, { ...json, body: huge }), 413, 'body_too_large');
        expectProblem(await call(op.id, { ...json, body: '[1, 2]' }), 400, 'invalid_body');
      }
    }
  }, 60_000);

  it('documents sign-up, login, the account, logout and tokens as they answer', async () => {
    for (const name of ['alice', 'bob', 'carol']) expect((await signUp(name)).status).toBe(201);
    expectProblem(await signUp('alice'), 409, 'username_taken');
    expectProblem(await signUp('a1ice'), 409, 'username_taken');
    expectProblem(await call('signUp', { json: { username: 'dave' } }), 400, 'invalid_body');
    expectProblem(await signUp('Not_A_Name'), 400, 'invalid_username');
    expectProblem(await signUp('admin'), 400, 'username_reserved');
    expectProblem(
      await call('signUp', { json: { username: 'dave', email: 'nope', password: PASSWORD } }),
      400,
      'invalid_email',
    );
    expectProblem(
      await call('signUp', { json: { username: 'dave', email: 'd@example.org', password: 'short' } }),
      400,
      'invalid_password',
    );
    const config = registry.ctx.config;
    registry.ctx.config = { ...config, allowSignup: false };
    try {
      expectProblem(await signUp('dave'), 403, 'signup_disabled');
    } finally {
      registry.ctx.config = config;
    }
    await drain(`signup:ip:${IP}`);
    const limited = await signUp('dave');
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBe(limited.body!.retry_after);
    await refill(`signup:ip:${IP}`);

    const session = await login('alice');
    expectProblem(
      await call('login', { json: { username: 'alice', password: 'wrong password!' } }),
      401,
      'invalid_login',
    );
    expectProblem(await call('login', { json: { username: 'alice' } }), 400, 'invalid_body');
    await drain('login-failed:user:alice');
    expectProblem(
      await call('login', { json: { username: 'alice', password: PASSWORD } }),
      429,
      'rate_limited',
    );
    await refill('login-failed:user:alice');

    const me = await call('getMe', { auth: session });
    expect(me.body).toMatchObject({ username: 'alice', is_admin: false });

    const all = ['publish-new', 'publish-update', 'yank', 'owners'];
    const created = await call('createToken', {
      auth: session,
      json: { name: 'ci', scopes: all, expires_in: 3600 },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const narrow = await createToken(session, {
      name: 'narrow',
      scopes: ['publish-update'],
      skills: ['alice-*'],
    });
    expectProblem(
      await call('createToken', { auth: session, json: { name: 'x', scopes: ['root'] } }),
      400,
      'invalid_body',
    );
    const listed = await call('listTokens', { auth: session, query: { per_page: '1' } });
    expect(listed.body).toMatchObject({ total: 2 });
    expectProblem(await call('listTokens', { auth: session, query: { page: '0' } }), 400, 'invalid_query');
    const throwaway = await call('createToken', {
      auth: session,
      json: { name: 'throwaway', scopes: ['yank'] },
    });
    const revoked = await call('revokeToken', { auth: session, params: { id: String(throwaway.body!.id) } });
    expect(revoked.status).toBe(204);
    expectProblem(
      await call('revokeToken', { auth: session, params: { id: String(throwaway.body!.id) } }),
      404,
      'token_not_found',
    );

    // 100 live tokens are the most an account may hold.
    const carolSession = await login('carol');
    await registry.ctx.db.query(
      `INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at)
       SELECT $1, 'bulk-' || g, sha256(convert_to('bulk-' || g, 'UTF8')), ARRAY['yank'], $2, $2::timestamptz + interval '1 day'
         FROM generate_series(1, 100) AS g`,
      [await userId('carol'), registry.ctx.now()],
    );
    expectProblem(
      await call('createToken', { auth: carolSession, json: { name: 'one more', scopes: ['yank'] } }),
      409,
      'too_many_tokens',
    );
    carol = { session: carolSession };

    // An API token revokes itself (and nothing else); a session may not use that route.
    const selfish = await createToken(session, { name: 'selfish', scopes: ['yank'] });
    expectProblem(await call('revokeCurrentToken', { auth: session }), 403, 'token_required');
    expect((await call('revokeCurrentToken', { auth: selfish })).status).toBe(204);
    expectProblem(await call('revokeCurrentToken', { auth: selfish }), 401, 'invalid_credential');
    expect((await call('getMe', { auth: narrow })).status).toBe(200);

    // Logout ends the session at once.
    const short = await login('alice');
    expect((await call('logout', { auth: short })).status).toBe(204);
    expectProblem(await call('getMe', { auth: short }), 401, 'invalid_credential');

    alice = { session, token: String(created.body!.token), narrow, key: await newKey('alice') };
  }, 60_000);

  it('documents key registration, listing and revocation as they answer', async () => {
    const { session } = alice;
    const registered = await registerKey(session, 'alice', alice.key);
    expect(registered.status, registered.text).toBe(201);
    expect((await registerKey(session, 'alice', alice.key)).status).toBe(200);

    const proofOf = async (key: PrivateKey, username: string): Promise<string> => {
      const { body } = await call('getKeyChallenge', { auth: session });
      return detached(key, `skills-key:${username}:${String(body!.nonce)}`);
    };
    const other = await newKey('other');
    const armored = other.toPublic().armor();
    const post = (json: Json): Promise<Answer> => call('registerKey', { auth: session, json });
    expectProblem(await post({ armored: 'hello', proof: 'x' }), 422, 'key_invalid');
    expectProblem(
      await post({ armored: other.armor(), proof: await proofOf(other, 'alice') }),
      422,
      'key_private',
    );
    expectProblem(
      await post({ armored, proof: await proofOf(alice.key, 'alice') }),
      422,
      'key_proof_invalid',
    );
    expectProblem(
      await post({ armored, proof: await proofOf(other, 'alice'), nonce: 'no-such-nonce' }),
      422,
      'key_challenge_invalid',
    );
    expectProblem(await post({ armored }), 400, 'invalid_body');

    const bobSession = await login('bob');
    const challenge = await call('getKeyChallenge', { auth: bobSession });
    const stolen = await detached(alice.key, `skills-key:bob:${String(challenge.body!.nonce)}`);
    expectProblem(
      await call('registerKey', {
        auth: bobSession,
        json: { armored: alice.key.toPublic().armor(), proof: stolen },
      }),
      409,
      'key_taken',
    );

    expect((await registerKey(session, 'alice', other)).status).toBe(201);
    const fingerprint = other.getFingerprint().toUpperCase();
    const revoke = await call('revokeKey', {
      auth: session,
      params: { fingerprint },
      json: { reason: 'retired' },
    });
    expect(revoke.status).toBe(200);
    expect(revoke.body).toMatchObject({ revocation_published: false, changed: true });

    // The key's own revocation is what installers see; a forged or foreign one is refused.
    const signed = await newKey('signed');
    expect((await registerKey(session, 'alice', signed)).status).toBe(201);
    const signedFingerprint = signed.getFingerprint().toUpperCase();
    const revokedByItself = async (key: PrivateKey) =>
      (
        await revokeKey({
          key,
          reasonForRevocation: { flag: enums.reasonForRevocation.keyCompromised },
          format: 'armored',
        })
      ).publicKey;
    expectProblem(
      await call('revokeKey', {
        auth: session,
        params: { fingerprint: signedFingerprint },
        json: { revocation: await revokedByItself(other) },
      }),
      422,
      'revocation_other_key',
    );
    const published = await call('revokeKey', {
      auth: session,
      params: { fingerprint: signedFingerprint },
      json: { reason: 'compromised', revocation: await revokedByItself(signed) },
    });
    expect(published.status, published.text).toBe(200);
    expect(published.body).toMatchObject({ revocation_published: true, revocation_reason: 'compromised' });
    expectProblem(await registerKey(session, 'alice', other), 409, 'key_revoked');
    expectProblem(
      await call('revokeKey', { auth: session, params: { fingerprint: 'F'.repeat(40) } }),
      404,
      'key_not_found',
    );
    expectProblem(
      await call('revokeKey', { auth: session, params: { fingerprint }, json: { reason: 'bored' } }),
      400,
      'invalid_body',
    );
    const keys = await call('listKeys', { auth: session });
    expect(keys.body).toMatchObject({ total: 3 });
    expectProblem(
      await call('listKeys', { auth: session, query: { per_page: '101' } }),
      400,
      'invalid_query',
    );

    // Five registrations a day.
    for (let i = 0; i < 5; i += 1)
      expect((await registerKey(carol.session, 'carol', await newKey(`c${i}`))).status).toBe(201);
    const limited = await registerKey(carol.session, 'carol', await newKey('c5'));
    expectProblem(limited, 429, 'rate_limited');

    const bobKey = await newKey('bob');
    expect((await registerKey(bobSession, 'bob', bobKey)).status).toBe(201);
    bob = {
      session: bobSession,
      token: await createToken(bobSession, {
        name: 'bob',
        scopes: ['publish-new', 'publish-update', 'yank', 'owners'],
      }),
      key: bobKey,
    };
  }, 60_000);

  it('documents publishing as it answers', async () => {
    const notes = await buildPackage('alice-notes', '1.0.0');
    const first = await publish(alice.token, notes, await detached(alice.key, notes));
    expect(first.status, first.text).toBe(201);
    const again = await publish(alice.token, notes, await detached(alice.key, notes));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const changed = await buildPackage('alice-notes', '1.0.0', { yaml: 'keywords: [changed]\n' });
    expectProblem(
      await publish(alice.token, changed, await detached(alice.key, changed)),
      409,
      'version_exists',
    );

    expectProblem(await publish(undefined, notes, await detached(alice.key, notes)), 401, 'unauthorized');
    expectProblem(
      await call('publishSkill', { auth: alice.token, json: { tarball: 'x' } }),
      415,
      'unsupported_media_type',
    );
    expectProblem(await publish(alice.token, notes, null), 400, 'invalid_upload');
    const garbage = Buffer.from('this is not a tarball');
    const notGzip = await publish(alice.token, garbage, await detached(alice.key, garbage));
    expectProblem(notGzip, 422, 'archive_not_gzip');
    const invalid = await buildPackage('alice-bad', 'v1');
    const refused = await publish(alice.token, invalid, await detached(alice.key, invalid));
    expectProblem(refused, 422, 'version_invalid');
    expect(refused.body!.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'VERSION_INVALID' })]),
    );
    const unknownKey = await newKey('unknown');
    const next = await buildPackage('alice-notes', '1.0.1');
    expectProblem(
      await publish(alice.token, next, await detached(unknownKey, next)),
      422,
      'signature_unknown_key',
    );
    expectProblem(await publish(bob.token, next, await detached(bob.key, next)), 403, 'not_owner');
    const lookalike = await buildPackage('a1ice-notes', '1.0.0');
    expectProblem(
      await publish(bob.token, lookalike, await detached(bob.key, lookalike)),
      403,
      'name_confusable',
    );
    const other = await buildPackage('alice-other', '1.0.0');
    expectProblem(
      await publish(alice.narrow, other, await detached(alice.key, other)),
      403,
      'insufficient_scope',
    );
    const declared = await callRaw('publishSkill', {
      auth: alice.token,
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(1024 ** 3) },
    });
    expectProblem(declared, 413, 'body_too_large');

    const aliceId = await userId('alice');
    await drain(`new-version:user:${aliceId}`);
    const limited = await publish(alice.token, next, await detached(alice.key, next));
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    await refill(`new-version:user:${aliceId}`);

    expect((await publish(alice.token, next, await detached(alice.key, next))).status).toBe(201);
    // A file over 1 MiB, which discovery does not serve (random bytes: gzip cannot shrink them).
    const lib = await buildPackage('alice-lib', '1.0.0', {
      files: { 'assets/big.bin': randomBytes(1100 * 1024) },
    });
    expect((await publish(alice.token, lib, await detached(alice.key, lib))).status).toBe(201);
    const app = await buildPackage('bob-app', '1.0.0', { yaml: "dependencies:\n  alice-lib: '1.0.0'\n" });
    expect((await publish(bob.token, app, await detached(bob.key, app))).status).toBe(201);
    await indexed('bob-app', '1.0.0');
    await indexed('alice-notes', '1.0.1');
  }, 60_000);

  it('documents the read endpoints as they answer', async () => {
    const list = await call('listSkills', { query: { per_page: '3', page: '2' } });
    // The examples, alice-notes, alice-lib and bob-app.
    expect(list.body).toMatchObject({ total: examples + 3 });
    expectProblem(await call('listSkills', { query: { per_page: '101' } }), 400, 'invalid_query');
    const skill = await call('getSkill', { params: { name: 'alice-notes' } });
    expect(skill.body).toMatchObject({ name: 'alice-notes', owners: ['alice'] });
    expectProblem(await call('getSkill', { params: { name: 'no-such-skill' } }), 404, 'skill_not_found');
    expectProblem(await call('getSkill', { params: { name: 'Not A Name' } }), 404, 'skill_not_found');
    const version = await call('getVersion', { params: { name: 'code-review', version: '1.4.0' } });
    expect(version.body).toMatchObject({ indexed: true });
    expectProblem(
      await call('getVersion', { params: { name: 'code-review', version: '9.9.9' } }),
      404,
      'version_not_found',
    );
    expectProblem(
      await call('getVersion', { params: { name: 'no-such-skill', version: '1.0.0' } }),
      404,
      'skill_not_found',
    );
    const search = await call('search', { query: { q: 'release' } });
    expect((search.body!.items as Json[])[0]).toMatchObject({ name: 'release-checklist' });
    expectProblem(await call('search'), 400, 'invalid_query');
    expectProblem(await call('search', { query: { q: '   ' } }), 400, 'invalid_query');
    expect((await call('listTags', { query: { per_page: '5' } })).status).toBe(200);
    expectProblem(await call('listTags', { query: { page: 'two' } }), 400, 'invalid_query');
    const health = await call('getHealth');
    expect(health.body).toMatchObject({ ok: true, db: true });
    const openapi = await call('getOpenapi');
    expect(openapi.body!.servers).toEqual([{ url: registry.url }]);
    expect(openapi.body!.paths).toEqual(spec.paths);

    const discovery = await call('getDiscoveryIndex');
    expect((discovery.body!.skills as Json[]).map((s) => s.name)).toContain('code-review');
    const skillMd = await call('getDiscoveryFile', { params: { name: 'code-review', path: 'SKILL.md' } });
    expect(skillMd.headers.get('content-type')).toMatch(/^text\/markdown/);
    const yaml = await call('getDiscoveryFile', { params: { name: 'code-review', path: 'skill.yaml' } });
    expect(yaml.headers.get('content-type')).toMatch(/^text\/plain/);
    const docs = await call('getDiscoveryFile', { params: { name: 'code-review', path: 'docs/README.md' } });
    expect(docs.headers.get('content-type')).toMatch(/^text\/markdown/);
    const big = await call('getDiscoveryFile', { params: { name: 'alice-lib', path: 'assets/big.bin' } });
    expectProblem(big, 404, 'file_not_served');
    expect(big.body!.url).toMatch(/\/dl\/.*alice-lib-1\.0\.0\.tgz$/);
    expectProblem(
      await call('getDiscoveryFile', { params: { name: 'code-review', path: 'nope.md' } }),
      404,
      'file_not_found',
    );
    expectProblem(
      await call('getDiscoveryFile', { params: { name: 'no-such-skill', path: 'SKILL.md' } }),
      404,
      'skill_not_found',
    );
  }, 60_000);

  it('documents owners, yank, unyank and purge as they answer', async () => {
    const name = { name: 'alice-notes' };
    expect((await call('listOwners', { params: name })).body).toEqual({ items: ['alice'], total: 1 });
    expectProblem(await call('listOwners', { params: { name: 'no-such-skill' } }), 404, 'skill_not_found');
    const owners = (auth: string, id: string, json: unknown, params = name): Promise<Answer> =>
      call(id, { auth, params, json });
    expect((await owners(alice.token, 'addOwner', { username: 'bob' })).body).toEqual({
      items: ['alice', 'bob'],
      total: 2,
    });
    expect((await owners(alice.session, 'removeOwner', { username: 'bob' })).body).toEqual({
      items: ['alice'],
      total: 1,
    });
    expectProblem(await owners(alice.token, 'removeOwner', { username: 'alice' }), 409, 'last_owner');
    expectProblem(await owners(alice.token, 'addOwner', { username: 'nobody-here' }), 404, 'user_not_found');
    expectProblem(
      await owners(alice.token, 'addOwner', { username: 'bob' }, { name: 'no-such-skill' }),
      404,
      'skill_not_found',
    );
    expectProblem(
      await owners(alice.token, 'removeOwner', { username: 'bob' }, { name: 'no-such-skill' }),
      404,
      'skill_not_found',
    );
    expectProblem(await owners(bob.token, 'addOwner', { username: 'bob' }), 403, 'not_owner');
    expectProblem(await owners(alice.narrow, 'removeOwner', { username: 'bob' }), 403, 'insufficient_scope');
    expectProblem(await owners(alice.token, 'addOwner', { user: 'bob' }), 400, 'invalid_body');

    const v100 = { name: 'alice-notes', version: '1.0.0' };
    const yank = await call('yankVersion', { auth: alice.token, params: v100, json: { reason: 'broken' } });
    expect(yank.body).toEqual({ ...v100, yanked: true, yank_reason: 'broken' });
    expect((await call('yankVersion', { auth: alice.token, params: v100 })).body).toMatchObject({
      yank_reason: 'broken',
    });
    expect((await call('unyankVersion', { auth: alice.token, params: v100 })).body).toMatchObject({
      yanked: false,
    });
    expectProblem(
      await call('yankVersion', { auth: alice.token, params: { ...v100, version: '7.7.7' } }),
      404,
      'version_not_found',
    );
    expectProblem(
      await call('unyankVersion', { auth: alice.token, params: { ...v100, name: 'no-such' } }),
      404,
      'skill_not_found',
    );
    expectProblem(await call('yankVersion', { auth: bob.token, params: v100 }), 403, 'not_owner');
    expectProblem(
      await call('unyankVersion', { auth: alice.narrow, params: v100 }),
      403,
      'insufficient_scope',
    );
    expectProblem(
      await call('yankVersion', { auth: alice.token, params: v100, json: { reason: 5 } }),
      400,
      'invalid_body',
    );
    const aliceId = await userId('alice');
    await drain(`yank:user:${aliceId}`);
    expectProblem(await call('yankVersion', { auth: alice.token, params: v100 }), 429, 'rate_limited');
    await refill(`yank:user:${aliceId}`);
    expect((await call('yankVersion', { auth: alice.token, params: v100 })).status).toBe(200);
    await drain(`yank:user:${aliceId}`);
    expectProblem(await call('unyankVersion', { auth: alice.token, params: v100 }), 429, 'rate_limited');
    await refill(`yank:user:${aliceId}`);

    // A reason that would make the index line longer than 16 KiB (non-ASCII is escaped as \uXXXX).
    const deps = Array.from(
      { length: 40 },
      (_, i) => `  dep-${i}-${'x'.repeat(50)}: '>=1.0.0 <2.0.0 || >=3.0.0 <4.0.0 || >=5.0.0 <6.0.0'`,
    );
    const big = await buildPackage('alice-big', '1.0.0', {
      yaml: `description: "${'é'.repeat(1000)}"\ndependencies:\n${deps.join('\n')}\n`,
    });
    const published = await publish(alice.token, big, await detached(alice.key, big));
    expect(published.status, published.text).toBe(201);
    expectProblem(
      await call('yankVersion', {
        auth: alice.token,
        params: { name: 'alice-big', version: '1.0.0' },
        json: { reason: 'é'.repeat(1024) },
      }),
      422,
      'index_line_too_large',
    );

    const v101 = { name: 'alice-notes', version: '1.0.1' };
    expect((await call('purgeVersion', { auth: alice.token, params: v101 })).body).toEqual({
      ...v101,
      purged: true,
    });
    expect((await call('purgeVersion', { auth: alice.token, params: v101 })).status).toBe(200);
    const lib = { name: 'alice-lib', version: '1.0.0' };
    const dependents = await call('purgeVersion', { auth: alice.token, params: lib });
    expectProblem(dependents, 409, 'has_dependents');
    expect(dependents.body!.dependents).toEqual([{ name: 'bob-app', version: '1.0.0', range: '1.0.0' }]);
    await registry.ctx.db.query(
      "UPDATE versions SET published_at = published_at - interval '100 hours' WHERE version = '1.0.0' AND skill_id = (SELECT id FROM skills WHERE name = 'alice-notes')",
    );
    expectProblem(
      await call('purgeVersion', { auth: alice.token, params: v100 }),
      409,
      'purge_window_passed',
    );
    expectProblem(await call('purgeVersion', { auth: bob.token, params: v100 }), 403, 'not_owner');
    expectProblem(
      await call('purgeVersion', { auth: alice.narrow, params: v100 }),
      403,
      'insufficient_scope',
    );
    expectProblem(
      await call('purgeVersion', { auth: alice.token, params: { ...v100, version: '7.7.7' } }),
      404,
      'version_not_found',
    );
    expectProblem(
      await call('purgeVersion', { auth: alice.token, params: v100, json: { reason: 1 } }),
      400,
      'invalid_body',
    );
    await registry.ctx.db.query("UPDATE users SET is_admin = true WHERE username = 'carol'");
    expectProblem(await call('purgeVersion', { auth: carol.session, params: lib }), 400, 'reason_required');
    const purged = await call('purgeVersion', {
      auth: carol.session,
      params: lib,
      json: { reason: 'takedown' },
    });
    expect(purged.body).toEqual({ ...lib, purged: true });
  }, 60_000);

  it('documents the file endpoints as they answer', async () => {
    await indexed('alice-lib', '1.0.0', false);
    const config = await call('getIndexFile', { params: { path: 'config.json' } });
    expect(config.status).toBe(200);
    const etag = config.headers.get('etag')!;
    expect(
      (await call('getIndexFile', { params: { path: 'config.json' }, headers: { 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    const range = await call('getIndexFile', {
      params: { path: 'feed/head.json' },
      headers: { range: 'bytes=0-9' },
    });
    expect(range.status).toBe(206);
    expect(range.text).toHaveLength(10);
    expectProblem(
      await call('getIndexFile', { params: { path: 'config.json' }, headers: { range: 'bytes=999999-' } }),
      416,
      'range_not_satisfiable',
    );
    expectProblem(await call('getIndexFile', { params: { path: 'no/such/file.json' } }), 404, 'not_found');
    expectProblem(await call('getIndexFile', { params: { path: '.gitattributes' } }), 404, 'not_found');
    for (const [status, headers, file] of [
      [200, {}, 'config.json'],
      [206, { range: 'bytes=0-1' }, 'config.json'],
      [304, { 'if-none-match': etag }, 'config.json'],
      [404, {}, 'nothing.json'],
      [416, { range: 'bytes=999999-' }, 'config.json'],
    ] as const) {
      expect((await call('headIndexFile', { params: { path: file }, headers })).status).toBe(status);
    }

    const version = await call('getVersion', { params: { name: 'code-review', version: '1.4.0' } });
    const dl = new URL(String(version.body!.dl)).pathname.replace(/^\/dl\//, '');
    const tarball = await call('getDownload', { params: { path: dl } });
    expect(tarball.headers.get('content-type')).toBe('application/gzip');
    expect(tarball.headers.get('cache-control')).toContain('immutable');
    expect((await call('getDownload', { params: { path: `${dl}.asc` } })).status).toBe(200);
    const dlEtag = tarball.headers.get('etag')!;
    expect(
      (await call('getDownload', { params: { path: dl }, headers: { 'if-none-match': dlEtag } })).status,
    ).toBe(304);
    expect(
      (await call('getDownload', { params: { path: dl }, headers: { range: 'bytes=-10' } })).status,
    ).toBe(206);
    expectProblem(
      await call('getDownload', { params: { path: dl }, headers: { range: 'bytes=99999999-' } }),
      416,
      'range_not_satisfiable',
    );
    expectProblem(await call('getDownload', { params: { path: 'co/de/nothing.tgz' } }), 404, 'not_found');
    for (const [status, headers, file] of [
      [200, {}, dl],
      [206, { range: 'bytes=0-1' }, dl],
      [304, { 'if-none-match': dlEtag }, dl],
      [404, {}, 'nothing.tgz'],
      [416, { range: 'bytes=99999999-' }, dl],
    ] as const) {
      expect((await call('headDownload', { params: { path: file }, headers })).status).toBe(status);
    }

    const refs = await call('gitInfoRefs', { query: { service: 'git-upload-pack' } });
    expect(refs.status, refs.text).toBe(200);
    expectProblem(await call('gitInfoRefs'), 403, 'git_smart_http_only');
    expectProblem(
      await call('gitInfoRefs', { query: { service: 'git-receive-pack' } }),
      403,
      'git_read_only',
    );
    const pack = await call('gitUploadPack', {
      headers: { 'content-type': 'application/x-git-upload-pack-request' },
      body: '0000',
    });
    expect(pack.status, pack.text).toBe(200);
    expectProblem(await call('gitReceivePack', { body: '0000' }), 403, 'git_read_only');
  }, 60_000);

  it('has seen every documented status of every operation', () => {
    const missing: string[] = [];
    for (const op of operations.values()) {
      for (const status of Object.keys(object(op.op.responses, op.id))) {
        if (status === 'default') continue;
        const key = `${op.id} ${status}`;
        const answered = seen.get(op.id)?.has(Number(status)) ?? false;
        if (key in UNEXERCISED) expect(answered, `${key} is listed as not exercised but was`).toBe(false);
        else if (!answered) missing.push(key);
      }
    }
    for (const key of Object.keys(UNEXERCISED)) {
      const [id, status] = key.split(' ');
      expect(object(operation(id!).op.responses, key)).toHaveProperty(status!);
    }
    expect(missing).toEqual([]);
  });
});

/** A HEAD answer has the status but no body to read the code from. */
function expectProblemOrHead(op: Operation, answer: Answer, status: number, code: string): void {
  if (op.method === 'HEAD') expect(answer.status).toBe(status);
  else expectProblem(answer, status, code);
}
