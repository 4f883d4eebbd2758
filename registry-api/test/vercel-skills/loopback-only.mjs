// Preloaded (`node --import`) into Vercel's `skills` CLI by vercel-skills.test.ts: every fetch()
// to a host other than loopback is refused and written, one URL a line, to the file named by
// SKILLS_TEST_BLOCKED_LOG, so the test can assert that the install talked to our registry only.
// (With DISABLE_TELEMETRY and DO_NOT_TRACK set, that CLI sends nothing else; this proves it.)
import { appendFileSync } from 'node:fs';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const log = process.env.SKILLS_TEST_BLOCKED_LOG;
const realFetch = globalThis.fetch;

globalThis.fetch = (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (!LOOPBACK.has(url.hostname)) {
    if (log) appendFileSync(log, `${url.href}\n`);
    return Promise.reject(new TypeError(`blocked by the test: ${url.href} is not on loopback`));
  }
  return realFetch(input, init);
};
