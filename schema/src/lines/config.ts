import { ValidationError, type Issue } from '../errors.js';
import { Fields, IssueSink, equalTo, isBoolean, isText, orNull } from './fields.js';
import { asciiBytes, jsonObject, jsonScalar } from './json-bytes.js';
import { readJsonObject } from './json-read.js';
import { isEpoch, isFingerprint } from './patterns.js';

/** `config.json` at the index root: the registry's identity and URLs (DESIGN §4 Paths). */
export interface IndexConfig {
  format: 1;
  epoch: string;
  name: string;
  /** The canonical index root, ending in `/`; null when the index is only read from git or disk. */
  url: string | null;
  /** Tarball URL template; `{name}`, `{version}`, `{prefix}` and `{sha256}` are filled in. */
  dl: string;
  /** Signature URL template; null means the dl URL + `.asc`. */
  sig: string | null;
  /** Base URL of the publish API; null for a read-only index. */
  api: string | null;
  signing_key: string | null;
  auth_required: boolean;
}

export const CONFIG_PATH = 'config.json';
const CONFIG_MAX_BYTES = 64 * 1024;
const PLACEHOLDERS = new Set(['{name}', '{version}', '{prefix}', '{sha256}']);
/** Values to try a template with: they have the shape of real ones. */
const SAMPLE: Record<string, string> = {
  '{name}': 'skill',
  '{version}': '1.0.0',
  '{prefix}': 'sk/il',
  '{sha256}': '0'.repeat(64),
};

/**
 * Parses and validates config.json; throws ValidationError (INDEX_CONFIG_INVALID) naming the
 * first bad field. The file may be hand-written, so whitespace and a final newline are fine.
 */
export function parseIndexConfig(input: Uint8Array | string): IndexConfig {
  const read = readJsonObject(input, {
    subject: CONFIG_PATH,
    code: 'INDEX_CONFIG_INVALID',
    maxBytes: CONFIG_MAX_BYTES,
    line: false,
  });
  if (read.issue) throw configError(read.issue);
  return checkedConfig(read.value);
}

/** The canonical bytes of config.json (no whitespace, no trailing newline); validates first. */
export function serializeIndexConfig(config: IndexConfig): Buffer {
  const checked = checkedConfig(config as unknown as Record<string, unknown>);
  return asciiBytes(
    jsonObject([
      ['format', jsonScalar(checked.format)],
      ['epoch', jsonScalar(checked.epoch)],
      ['name', jsonScalar(checked.name)],
      ['url', jsonScalar(checked.url)],
      ['dl', jsonScalar(checked.dl)],
      ['sig', jsonScalar(checked.sig)],
      ['api', jsonScalar(checked.api)],
      ['signing_key', jsonScalar(checked.signing_key)],
      ['auth_required', jsonScalar(checked.auth_required)],
    ]),
  );
}

function checkedConfig(value: Record<string, unknown>): IndexConfig {
  const sink = new IssueSink(CONFIG_PATH, 'INDEX_CONFIG_INVALID');
  const f = new Fields(sink, value);
  const config: IndexConfig = {
    format: f.check('format', equalTo(1), 'the number 1'),
    epoch: f.check('epoch', isEpoch, 'an epoch matching [a-z0-9-]{1,32}'),
    name: f.check('name', isName, 'a non-empty string'),
    url: f.check('url', orNull(isText), 'a URL or null'),
    dl: f.check('dl', isText, 'a URL template'),
    sig: f.check('sig', orNull(isText), 'a URL template or null'),
    api: f.check('api', orNull(isText), 'a URL or null'),
    signing_key: f.check('signing_key', orNull(isFingerprint), '40 uppercase hex digits or null'),
    auth_required: f.check('auth_required', isBoolean, 'true or false'),
  };
  if (!sink.issue) checkUrls(config, sink);
  if (sink.issue) throw configError(sink.issue);
  return config;
}

function isName(value: unknown): value is string {
  return isText(value) && value.length > 0;
}

function checkUrls(config: IndexConfig, sink: IssueSink): void {
  if (config.url !== null) {
    const problem = rootUrlProblem(config.url);
    if (problem) sink.report('url', problem);
  }
  if (config.api !== null) {
    const problem = absoluteUrlProblem(config.api);
    if (problem) sink.report('api', problem);
  }
  const dlProblem = templateProblem(config.dl, config.url);
  if (dlProblem) sink.report('dl', dlProblem);
  const sigProblem = config.sig === null ? undefined : templateProblem(config.sig, config.url);
  if (sigProblem) sink.report('sig', sigProblem);
}

/** The index root: an absolute URL in its normalised form, ending in `/` so relative paths resolve under it. */
function rootUrlProblem(url: string): string | undefined {
  const problem = absoluteUrlProblem(url);
  if (problem) return problem;
  const parsed = new URL(url);
  if (parsed.search !== '') return 'must not have a query';
  if (parsed.href !== url) return `must be written in its normalised form ${parsed.href}`;
  if (!url.endsWith('/')) return 'must end with "/"';
  return undefined;
}

/** https, or http on loopback; no credentials, no fragment. */
function absoluteUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute URL';
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    return 'must use https (plain http only on loopback)';
  }
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry credentials';
  if (parsed.hash !== '') return 'must not have a fragment';
  return undefined;
}

export function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * A URL template: only the four placeholders; enough of them to tell tarballs apart; absolute
 * (https rules) or relative to `url`. A relative template's first segment is literal and at least
 * 3 characters long, so it never lands in a shard directory, and it must resolve under `url`.
 */
function templateProblem(template: string, root: string | null): string | undefined {
  const unknown = (template.match(/\{[^}]*\}?/g) ?? []).find((token) => !PLACEHOLDERS.has(token));
  if (unknown !== undefined || template.replace(/\{[a-z0-9]+\}/g, '').includes('}')) {
    return 'may only use the placeholders {name}, {version}, {prefix} and {sha256}';
  }
  if (!template.includes('{sha256}') && !(template.includes('{name}') && template.includes('{version}'))) {
    return 'must contain {sha256}, or both {name} and {version}';
  }
  const sample = template.replace(/\{[a-z0-9]+\}/g, (token) => SAMPLE[token]!);
  if (/^[a-z][a-z0-9+.-]*:/i.test(template)) return absoluteUrlProblem(sample);
  if (root === null) return 'must be an absolute URL when "url" is null';
  const first = template.split('/')[0]!;
  if (template.startsWith('/') || template.includes('\\') || first.length < 3 || first.includes('{')) {
    return 'must start with a literal path segment of at least 3 characters';
  }
  const resolved = new URL(sample, root);
  if (!resolved.href.startsWith(root) || resolved.hash !== '') return `must resolve under ${root}`;
  return undefined;
}

function configError(issue: Issue): ValidationError {
  return new ValidationError(issue.code, issue.message, [issue], {
    hint: "The registry's config.json is broken: tell its operator.",
  });
}
