// Writes the V8 code caches of the vendor bundles (build.mjs runs it; see bin/code-cache.cjs). Each
// bundle is loaded in the order and under the V8 flags a command meets it, since V8 refuses a cache
// made under other flags: undici first, then cli/src/http/client.ts sets --liftoff-only, then the
// others (every command that loads them has loaded undici before). openpgp's cache is written at
// exit, after what an install does with it, so the functions that run then are in it too.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS, like the bundles it loads */
const path = require('node:path');
const { setFlagsFromString } = require('node:v8');
const { requireCached } = require('../bin/code-cache.cjs');

const vendor = (file) => path.join(__dirname, '..', 'dist', 'vendor', file);
requireCached(vendor('undici.cjs'));
setFlagsFromString('--liftoff-only');
requireCached(vendor('isomorphic-git.cjs'));
const openpgp = requireCached(vendor('openpgp.cjs'), 'at-exit');

async function verifyOnce() {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'code cache' }],
    format: 'object',
  });
  const bytes = new Uint8Array([1, 2, 3]);
  const armored = await openpgp.sign({
    message: await openpgp.createMessage({ binary: bytes }),
    signingKeys: privateKey,
    detached: true,
  });
  const [key] = await openpgp.readKeys({ armoredKeys: publicKey.armor() });
  await key.getExpirationTime();
  const result = await openpgp.verify({
    message: await openpgp.createMessage({ binary: bytes }),
    signature: await openpgp.readSignature({ armoredSignature: armored }),
    verificationKeys: key,
    expectSigned: true,
    format: 'binary',
  });
  for (const signature of result.signatures) await signature.verified;
}

verifyOnce().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
