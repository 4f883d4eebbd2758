import { Router } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { ArchiveError } from '@skills/schema';
import { ApiError } from '../src/http/problem.js';
import { allows, principalOf, type Principal } from '../src/http/principal.js';
import { testDatabases } from './databases.js';
import { startRegistry, type TestRegistry } from './harness.js';

function probe(): Router {
  const router = Router();
  router.get('/probe/api-error', () => {
    throw new ApiError(409, 'version_exists', 'taken', { extra: 1 });
  });
  router.get('/probe/skills-error', () => {
    throw new ArchiveError('ARCHIVE_LINK', 'a link', { hint: 'remove it' });
  });
  router.get('/probe/bug', () => {
    throw new Error('secret detail');
  });
  router.post('/probe/echo', (req, res) => {
    res.json(req.body);
  });
  router.get('/probe/me', (req, res) => {
    res.json(principalOf(req));
  });
  return router;
}

describe.each(testDatabases.slice(0, 1))('the HTTP envelope', (database) => {
  let registry: TestRegistry;
  afterEach(async () => {
    await registry.close();
  });

  it('answers every error as problem+json with a stable code', async () => {
    registry = await startRegistry(database, { routers: () => [probe()] });
    const cases: [string, number, Record<string, unknown>][] = [
      ['/nope', 404, { code: 'not_found' }],
      ['/probe/api-error', 409, { code: 'version_exists', detail: 'taken', extra: 1 }],
      ['/probe/skills-error', 422, { code: 'archive_link', hint: 'remove it' }],
      ['/probe/bug', 500, { code: 'internal' }],
      ['/probe/me', 401, { code: 'unauthorized' }],
    ];
    for (const [path, status, expected] of cases) {
      const response = await fetch(`${registry.url}${path}`);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ type: 'about:blank', status, ...expected });
      expect(JSON.stringify(body)).not.toContain('secret detail');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('refuses bad and oversized JSON bodies', async () => {
    registry = await startRegistry(database, { routers: () => [probe()] });
    const post = (body: string) =>
      fetch(`${registry.url}/probe/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    expect((await post('{"a":')).status).toBe(400);
    const big = await post(JSON.stringify({ a: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ code: 'body_too_large' });
    expect(await (await post('{"a":1}')).json()).toEqual({ a: 1 });
  });

  it('sends security headers', async () => {
    registry = await startRegistry(database, { routers: () => [probe()] });
    const response = await fetch(`${registry.url}/nope`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});

describe('token scopes', () => {
  const token = (scopes: Principal['scopes'], skills: Principal['skills']): Principal => ({
    userId: 1,
    username: 'ada',
    isAdmin: false,
    via: 'token',
    credentialId: '1',
    scopes,
    skills,
  });

  it('limit a token to its scopes and name patterns', () => {
    expect(allows(token(['yank'], null), 'yank', 'x')).toBe(true);
    expect(allows(token(['yank'], null), 'publish-new', 'x')).toBe(false);
    expect(allows(token(['yank'], ['pdf-*']), 'yank', 'pdf-tools')).toBe(true);
    expect(allows(token(['yank'], ['pdf-*']), 'yank', 'other')).toBe(false);
    expect(allows(token(['yank'], ['exact']), 'yank', 'exact')).toBe(true);
    expect(allows({ ...token(null, null), via: 'session' }, 'owners', 'x')).toBe(true);
  });
});
