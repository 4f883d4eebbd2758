import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import { parse } from 'yaml';
import type { RegistryConfig } from '../config.js';

/**
 * The API description, `docs/openapi.yaml` of the repository. Decision: ONE copy, at the place
 * DESIGN §1 gives it. `src/http/` (tests) and `dist/http/` (the server) are both two levels under
 * the package, so the same relative URL finds it from either.
 */
export const OPENAPI_FILE = new URL('../../../docs/openapi.yaml', import.meta.url);

export interface OpenapiRoutesOptions {
  /** Where the YAML lives (tests); OPENAPI_FILE by default. */
  file?: URL | string;
  /** The registry's configuration, read per request: its public URL becomes `servers`. */
  config?: () => Pick<RegistryConfig, 'publicUrl'>;
}

/**
 * `GET /api/v1/openapi.json`: the YAML, parsed once at the first request and answered as JSON. A
 * file that cannot be read or parsed is the registry's fault: 500 `internal` (logged), and the
 * next request tries again. When the registry knows its public URL, `servers` names it, so tools
 * reading the description call this registry and not the example address of the file.
 */
export function openapiRoutes(options: OpenapiRoutesOptions = {}): Router {
  const file = options.file ?? OPENAPI_FILE;
  let document: Promise<Record<string, unknown>> | null = null;
  const load = (): Promise<Record<string, unknown>> => {
    document ??= readFile(file, 'utf8').then((text) => {
      const parsed: unknown = parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error(`${String(file)} does not hold an OpenAPI document`);
      return parsed as Record<string, unknown>;
    });
    document.catch(() => {
      document = null;
    });
    return document;
  };

  const router = Router();
  router.get('/api/v1/openapi.json', async (_req, res) => {
    const spec = await load();
    const publicUrl = options.config?.().publicUrl ?? null;
    const body = publicUrl === null ? spec : { ...spec, servers: [{ url: publicUrl.replace(/\/+$/, '') }] };
    res.set('Cache-Control', 'public, max-age=300').json(body);
  });
  return router;
}
