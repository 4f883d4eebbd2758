import { SkillsError } from '../errors.js';

/*
 * The canonical JSON of DESIGN §4 Bytes. Serialisers pass their members in the documented key
 * order, so the order never depends on how the caller built its object.
 *
 * Decisions the design leaves open:
 * - `"` and `\` take their two-character escapes (`\"`, `\\`); JSON has no other way to write them
 *   that is not a `\u` escape, and these are what every JSON writer emits.
 * - DEL (0x7f) is escaped as `\u007f`: Unicode counts it as a control character (category Cc), and
 *   escaping it makes every byte of the output printable ASCII (0x20–0x7e).
 * - Short escapes such as `\n` are never used: control characters become `\u000a` and the like.
 * - Escapes are per UTF-16 code unit, so an astral character is written as its surrogate pair.
 *   An unpaired surrogate is refused: it is not a character, and other readers reject it.
 */

/** Printable ASCII other than `"` (0x22) and `\` (0x5c): written as is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const UNPAIRED_SURROGATE = /[\ud800-\udfff]/u;

/** True when the string is well-formed UTF-16, i.e. holds no unpaired surrogate. */
export function isWellFormedText(text: string): boolean {
  return !UNPAIRED_SURROGATE.test(text);
}

/** A JSON string literal in canonical form: pure printable ASCII. */
export function jsonString(text: string): string {
  if (PLAIN.test(text)) return `"${text}"`;
  if (!isWellFormedText(text)) {
    throw new SkillsError('INTERNAL', 'cannot write a string holding an unpaired surrogate as index JSON');
  }
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit === 0x22) out += '\\"';
    else if (unit === 0x5c) out += '\\\\';
    else if (unit >= 0x20 && unit < 0x7f) out += text[i];
    else out += `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** A member value already written as canonical JSON. */
export type JsonText = string;

/** A JSON scalar in canonical form; numbers must be safe integers (the format has no others). */
export function jsonScalar(value: string | number | boolean | null): JsonText {
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new SkillsError('INTERNAL', `cannot write ${value} as index JSON: only safe integers occur`);
    }
    return String(value);
  }
  return String(value);
}

/** `{"k":v,…}` with the members in exactly the order given. */
export function jsonObject(members: ReadonlyArray<readonly [key: string, value: JsonText]>): JsonText {
  return `{${members.map(([key, value]) => `${jsonString(key)}:${value}`).join(',')}}`;
}

export function jsonArray(items: readonly JsonText[]): JsonText {
  return `[${items.join(',')}]`;
}

/** The bytes of canonical JSON text, which is pure ASCII by construction. */
export function asciiBytes(json: JsonText): Buffer {
  return Buffer.from(json, 'latin1');
}
