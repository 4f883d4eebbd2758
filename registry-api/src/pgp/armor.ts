import { ApiError } from '../http/problem.js';

const BEGIN = /^-----BEGIN PGP ([A-Z ]+)-----$/;

/**
 * The type of one ASCII-armoured block (`PUBLIC KEY BLOCK`, `SIGNATURE`, …), or an ApiError when
 * the text is larger than `maxBytes`, holds several blocks, or has anything but whitespace around
 * its one block. openpgp.js reads only the first block and ignores what follows, so a second key
 * or signature would otherwise pass unseen.
 */
export function armorType(text: string, maxBytes: number, code: string, what: string): string {
  if (Buffer.byteLength(text, 'utf8') > maxBytes)
    throw new ApiError(422, code, `the ${what} is larger than ${maxBytes / 1024} KiB`);
  const lines = text.trim().split(/\r?\n/);
  const type = BEGIN.exec(lines[0] ?? '')?.[1];
  if (type === undefined || lines.at(-1) !== `-----END PGP ${type}-----`)
    throw new ApiError(422, code, `the ${what} is not one ASCII-armoured OpenPGP block`);
  const markers = lines.filter((line) => line.startsWith('-----'));
  if (markers.length !== 2)
    throw new ApiError(422, code, `the ${what} holds more than one ASCII-armoured block`);
  return type;
}
