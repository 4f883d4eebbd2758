import { spawnSync } from 'node:child_process';
import { createMessage, generateKey, sign, type PrivateKey, type PublicKey } from 'openpgp';
import type { Database } from '../src/db/database.js';

/** Shared by the pgp-*.test.ts suites: keys, signatures, users and gpg fixtures. */

export interface TestKey {
  privateKey: PrivateKey;
  publicKey: PublicKey;
  /** The armoured public key. */
  armored: string;
  fingerprint: string;
}

export interface KeyOptions {
  /** Key creation time (default: now). */
  date?: Date;
  /** Seconds of validity from `date`; 0 = never expires. */
  keyExpirationTime?: number;
  subkeys?: { sign?: boolean }[];
  userIDs?: { name: string }[];
}

/** An ed25519 (legacy curve) v4 key: what the CLI generates. */
export async function newKey(options: KeyOptions = {}): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: options.userIDs ?? [{ name: 'Test Publisher', email: 'pub@example.test' }],
    date: options.date,
    keyExpirationTime: options.keyExpirationTime ?? 0,
    subkeys: options.subkeys,
    format: 'object',
  });
  return {
    privateKey,
    publicKey,
    armored: publicKey.armor(),
    fingerprint: publicKey.getFingerprint().toUpperCase(),
  };
}

/** An armoured detached binary-mode signature over `data`, made at `date`. */
export async function detachedSignature(
  signingKeys: PrivateKey | PrivateKey[],
  data: Uint8Array | string,
  date?: Date,
): Promise<string> {
  const binary = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return sign({
    message: await createMessage({ binary }),
    signingKeys,
    detached: true,
    format: 'armored',
    date,
  });
}

let users = 0;
/** A user row, inserted with SQL (the auth module is not under test here). */
export async function insertUser(db: Database, prefix = 'user'): Promise<{ id: number; username: string }> {
  const username = `${prefix}-${process.pid}-${++users}`;
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO users (username, skeleton, email, password_hash) VALUES ($1, $1, $2, 'x') RETURNING id`,
    [username, `${username}@example.test`],
  );
  return { id: rows[0]!.id, username };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const later = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

/** gpg on PATH, or the reason the gpg tests are skipped. */
export function gpgVersion(): string | null {
  const result = spawnSync('gpg', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? (result.stdout.split('\n')[0] ?? 'gpg') : null;
}

// Made with gpg 2.2.40 (openpgp.js cannot generate these). All created 2026-11-25.

/** DSA-2048 primary (sign) + ElGamal-2048 subkey (encrypt). */
export const DSA_KEY = `
-----BEGIN PGP PUBLIC KEY BLOCK-----

mQMuBGsHOKwRCADJCBIJU5OwwwpjI3PZ1pT2fF3N2OkrfdfLUgAYwMp39nxHpFXV
ENt58q6KNjVSUPKocx7TUplTmHHLdbfJKPPJ768CpbdcMtqYD5LXeOn1LLTtPBvq
nZp0MBGmkwmN2XVHywIkoNiSmynyN+Q+3rXBj/uSCeSUckdnj6HsDcnZL6H8Q6iB
zhqYcv/3cnLKWmDSuFETRlQAYt6LANFh+HLPqbQW9THSboQj1icd0pgqvuzD58jf
EnUmLj0jlaRsnW/SqHc2zb9AFlCFD9OAGjzyujFruuN4Apsap9nLuAGR4I5JiSaS
v4glGQFaxW0htHQExnAb3lF7X6Fb+QyKKXzbAQCuG+s28zWsUYqmpPSiCFWnAw5o
xLk2RlXHf8oUBDZFZwgAl402Y1/X9e2Y1qdrQcq+fFBREt/RQbDNo/ozhNtThnle
HKm7PimRm0ifO9b0NP7EpmkvF7uCPrT6VCteGHZFxe7VAcXHx3dpL+BKWQ8qxUrS
BGQW9+q/r29lrUgNdaMClrmqlI9/rdLeAs11D670uDbwGrAeBY3f1BMfmoxgJN6P
8cVuxEexbponne2Pc2iwYtwwcBvCU+gc90/j7R4QRUgF/V2bUNJaMnNHafa2AK/Z
M863zuFc5O0isEd+J/zatgZXuHUYgzW+Rapq0FuR4bEmj1KbTJf7aDDYoSCDXswM
klgsxbihfO03U9daDgGWMpETuVuzLBBTzJl3ZDHDvggAhU9i9iIX9tOi+bJQzltK
PiHB/oUcX7Hsj3l8LEGrTh29bV6IQxk1zRR3ym6qXcbmfEeVJLhACLiGFRydG/U5
ylBmZoPjctRMvFosuZSmEOnNofJSCpStGnIel6FDTmyM8WsiNG2UBO6BCIDDSeFr
qDgXdnp0Em2TWoV3nsBXp9mqsdwqqYethTsaJ6eYqBaX2EA7+OXH71xiRUq+KOQw
xB5Kj+jKOQaNWjhw0RCfLVoPXVvS3H6oXxNmxMsNCaRRNSL0WfHWD22XW/d9sCHI
5w1frAp6PtJKzPD/GeOrtPbYxbbHUGOcLHY4g6uecpjjxPIlaAWBYnyHANsVgc3g
qbQeZHNhIGZpeHR1cmUgPGRzYUBleGFtcGxlLnRlc3Q+iJAEExEIADgWIQRln+7f
s+xlm+jsw1uJT6K+Kt6RyAUCawc4rAIbAwULCQgHAgYVCgkICwIEFgIDAQIeAQIX
gAAKCRCJT6K+Kt6RyIF0AQCo0S2EITwzFGu6iOyRglaabh+00KsoBzwcXk6mbyLO
EQD+MD3E/cgkDG3os7rrJ/+ICh5IAef5BCTxPpC1lmbLswO5Ag0Eawc4rRAIALxV
b2SSM5Z0oegkR+Cchh4ISEgwUQvaBPF5eXGGOfzLJgB+YBVoYj+gLarhIIf8qLkM
N/jcD6YsG3wgZGRVfafLZ3LrEFgABS0oj2H6jKOjBbEHBF51M+HtfA5QBYXs99Be
PrKABcdfhflfLJZnUoeByxvNREonGvS4J2boZgPTuaK5L1sOR9CnIZ//yTTfvuIJ
A/we/Wabeya3FfEccOOt2EMI7v2xG067mwBMgLijAzMTeepzrVkcCjk+F3/dwFD9
Y/A7mZgQOIeX/TzaUbry+plSIANUtKfRVEgizPqMJ9AZp0IZfGLnq8BpVHn9llJR
wJ7i0kvKZDFlp1864/cAAwUIALuUva9J4DKEJPwiEPUYYCjmUMh15+Hu3r9zbHi/
/yqvwHcPLgd2xgxzNn0ft8CJapqRy8gN9SWN7ymcaZ7DA/QsCJH2pNVydCihQjRr
RolQS78AB0ME0dhuCrovVzYA9dWsYjbIMkHbNi1Gg7hpvG/YbeRc9QY3ULVBnAg8
ulNIZBKoGwIRYMSK4BP1V+PBtJFVQh6Lp2Unug1qYUXJHfD71tg4haDJNAvLZOL0
7AnvyTLgkXzwdLQ50yoUqqIrWMXUEGyGe84vmytgg8T0j/XnzHOQsyZluOStzC5M
1+lsGX352ph3AmPxl07Z14WsG9XeoO0oc1AdUNdRCa+q2C2IeAQYEQgAIBYhBGWf
7t+z7GWb6OzDW4lPor4q3pHIBQJrBzitAhsMAAoJEIlPor4q3pHIGCwA/3R82Iz5
fCJwqPWG+W83zgqGPOhbrStUxZ9CuMfD3QtEAP9ASXT3GApxkS/31XrWBrOQp5Wk
BodjkUBJVOzbeKR3zw==
=9TB5
-----END PGP PUBLIC KEY BLOCK-----
`;

/** RSA-2048 primary (sign) + ElGamal-2048 subkey (encrypt). */
export const ELGAMAL_SUBKEY_KEY = `
-----BEGIN PGP PUBLIC KEY BLOCK-----

mQENBGsHOW4BCADIdFYwJGvXoomjXIl7OT3coss5CplEFIKA2QoTuoNQKaCAXMA1
Ca09lVVJhCu37Kt4GzUn3AVpMowzvm08bpX2U5SvgBPBc1x82pzcezhUK4VTaDjB
GklS1RR+JnQanG8NP0J4Eclw1VvdgsOd7Jv2lDZaarHgyTeM3nIfbfe7F7ow/7QC
MFCOgaDV0UvQfbyoRt5bKoW5zVFFIjKY6xJlGOCuZQc+LEkU+8YrDw4TjW92oD7s
CwPvT2ZkvoS89wODDihCjnjE+iAGnAPEZekh6naxaFpAmZuL0/wQzof4U1mJsnKk
CYVtoxDVN5nSOAdujx5TttnnMELo+CvsybHfABEBAAG0HmVsZyBmaXh0dXJlIDxl
bGdAZXhhbXBsZS50ZXN0PokBTgQTAQoAOBYhBPSXHQzgjvX/jy8h77ZYrnYLJaqL
BQJrBzluAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAAAoJELZYrnYLJaqLJUwH
/itYOaWF5Ef3W5OC2NRS5/pJcNkLy87WR8GWJdb4BU9Gr1fbXvVTxobZX2LUa8G0
TpJ9VcjkqyvE3JTMxFiOwYgK6wBtAIPgIWtyOHXDYsCTouxf93Z0OR+h43qiKI7r
Gt6woRUW4/cc6hzskfWOpv9dvbbGAb/7nSFsl8tym4x2jh1mSdGromSOw/hCkg6w
8bKCsshV5/U4bevfBpKh4W8XcLsR3Oks38MG9V4aUpOLDa8Sz+zveOVYPOgkNocW
eYbLanmiPF3LGUr9Nz5nT7qaPBVGrd8TfwvOJH1wDut6o8zsj9K3EeoPSdWPvkfM
YGAElLRTPwW5lFd5f9SHq2O5Ag0Eawc5bhAIAJ87IF2PNbdaIhb3ZBOKBXJrHliW
oEB/uwtP75u3z3SM/J7b0RSPBMbJerKzuKTiEWAez6ZmO1Iory6oyqV9/FqNK8+D
ACmWKn+NAEIn5N21Qgw9fBuyVtuMUa2jKVqUe2RqeZ45IkV+3qflPdP/wIYIuTIH
Avvfo+ZGel3Xj2sT0H1hHTULOCZX07nS633NYmFopTaTUCrwqoIiZOk4hYnCgELS
KbUF3CtWUOS5iRfgtX6t3ADqHq0oVfR7nc3vpLbQElVvXgIX5yHZFQuEODOHgrWA
l9dtyYuSZotYlm7WmQDsg/KsRPY0o7fOrM4NoJYfmnIxoE/bCc+lFMrQQmsAAwYH
/RC3YTIlWcTlpCZVMGadZ9X7PzV+6LMtgyhAyiRJN4rKReVNUCPgfFkyE1OZBihd
uYTUUp5dZ3HN0LQjyxGyxWVnUER91XZ8DcV+TmeX/U2z622SDoTzsCPYzj4lVXvG
XBvIO5sReWqwvy7mkXWlkk5QKBzmT7Nu49f9Ib8Bq3UqrC2KbRsW49y24sszG2dC
iClxRpUriGAl4eDXYDhRqfg9nYqwCaZYiSSdARERxzfvc1t+BUvglCtWXv4O1OIe
FkLM5qAi0yW/dogH6qDlOXPShp56ujSbtOp8tfKKGc6z5vHaSef5fGEkNDGKN5nj
xtRr5QDcYXjj6OTUcTLU8f2JATYEGAEKACAWIQT0lx0M4I71/48vIe+2WK52CyWq
iwUCawc5bgIbDAAKCRC2WK52CyWqi19vCAC5ruoRSGDPnIvEg7oBGR3GH/lN0dHK
d9SjOpo7OFT3kpvdxHRMVEm543rMtAcOmy1ixbPgJsD8Ao18unZhFNfXZDbzRrLj
y8uxQIhroty+XLxwbsdfmQyi93rQVX2P/XKFuFbSayagoblxzoldEG8jL30vIIAP
wPFwC1/nnAAxK383cpg3oLqgGyXeoUiraMZDLujb5UmLAELCHtQVvvdPmVPHSRww
4x1rgSv2G+dtKo5U8q0NRaFbmaWGqZ+DdvD9viTVDc6k4Ds8tN7T0EPCyoURoORm
6rluwCoFNjFWqS1zH4jgxR7vKHuAfNeVLK/UhW+QQPYW6IEi3PVYBuu/
=upDM
-----END PGP PUBLIC KEY BLOCK-----
`;

/** ed25519 primary that may only certify + cv25519 subkey (encrypt): it cannot sign. */
export const CERTIFY_ONLY_KEY = `
-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEawc4rRYJKwYBBAHaRw8BAQdAQJTU7j+0Yv/a768LsvqMiXcTa38rqNwSm7it
pZdHBvS0HWNlcnQgb25seSA8Y2VydEBleGFtcGxlLnRlc3Q+iJAEExYIADgWIQSE
NHrZA25WN1eT6AlLxx4EdzBUWAUCawc4rQIbAQULCQgHAgYVCgkICwIEFgIDAQIe
AQIXgAAKCRBLxx4EdzBUWMZQAP9zZbUKY7wl2rbXyczfsGVopyoEUzh7eezMAzc0
9yxsgAD/XZ+8FHEdfLB5PwZdSiHyxn5RCIeWegrmRxpZ0+xA9ge4OARrBzitEgor
BgEEAZdVAQUBAQdAf52ZX7rtPxlCI1t6nT+qUL7JgdTB80XdYN2Cp1XqOxcDAQgH
iHgEGBYIACAWIQSENHrZA25WN1eT6AlLxx4EdzBUWAUCawc4rQIbDAAKCRBLxx4E
dzBUWHMoAQDRhtm0HbvqGaASoRqsyt3S9AsF+WTDxG4PvSkU20ugVAEA2o/Kb4Yc
G3gdDuXNPriE9Si8/d8l72Fu1g3sNoF+/AY=
=7uPO
-----END PGP PUBLIC KEY BLOCK-----
`;
export const FIXTURES_CREATED = new Date('2026-11-25T20:00:00Z');
