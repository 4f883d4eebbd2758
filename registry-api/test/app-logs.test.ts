import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router } from 'express';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RegistryContext } from '../src/context.js';
import { createApp } from '../src/http/app.js';

describe('request logs', () => {
  it('never carry credentials: no Authorization, Cookie or body, only what identifies the request', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const ctx = {
      config: { trustProxy: 0 },
      logger: pino({ level: 'info' }, sink),
    } as unknown as RegistryContext;
    const router = Router().post('/probe', (_req, res) => res.status(204).end());
    const server = createApp(ctx, [router]).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/probe`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer skl_SECRETTOKENSECRETTOKENSECRETTOKEN000000',
          cookie: 'session=SECRETCOOKIE',
          'content-type': 'application/json',
          'user-agent': 'skills/test',
        },
        body: JSON.stringify({ password: 'SECRETPASSWORD' }),
      });
      expect(response.status).toBe(204);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const text = lines.join('');
    expect(text).not.toMatch(/SECRET/);
    const entry = JSON.parse(lines.find((line) => line.includes('request completed'))!) as Record<
      string,
      unknown
    >;
    expect(entry['req']).toEqual({
      id: expect.any(String),
      method: 'POST',
      url: '/probe',
      remoteAddress: '127.0.0.1',
      userAgent: 'skills/test',
    });
    expect(entry['res']).toEqual({ statusCode: 204 });
  });
});
