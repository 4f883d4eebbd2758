/**
 * Reads the small part of YAML that nearly every SKILL.md frontmatter is written in, without the
 * YAML library: `key: value` lines, one level of `key: value` lines indented under a key that has
 * no value (`metadata:`), comment lines starting in column 0 and blank lines. Values are plain
 * scalars that start with a letter and cannot be read as anything but a string, single-quoted
 * scalars and double-quoted scalars without escapes.
 *
 * For any other text it returns undefined and the caller uses the full parser. For every text it
 * accepts it returns exactly what `parseYaml` (YAML 1.1, unique keys) returns; a test checks that
 * on generated texts. Why it exists: the YAML library costs ~75 µs per frontmatter and ~40 ms to
 * import, and discovering 1,000 installed skills has 50 ms in all (docs/BENCHMARKS.md).
 */
export function parseSimpleYaml(text: string): Record<string, unknown> | undefined {
  if (!SIMPLE_CHARACTERS.test(text)) return undefined;
  const root: Record<string, unknown> = {};
  // The mapping under a key with no value, while its lines last.
  let nested: { map: Record<string, string>; indent: number } | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const entry = ENTRY.exec(line.slice(indent));
    if (entry === null) return undefined;
    const [, key = '', rawValue = ''] = entry;
    if (!readsAsString(key)) return undefined;
    const value = rawValue.trim();

    if (indent > 0) {
      if (nested === undefined || value === '') return undefined;
      if (nested.indent === 0) nested.indent = indent;
      else if (indent !== nested.indent) return undefined;
      const scalar = simpleScalar(value);
      if (scalar === undefined || Object.hasOwn(nested.map, key)) return undefined;
      nested.map[key] = scalar;
      continue;
    }

    if (nested !== undefined && nested.indent === 0) return undefined; // a key whose value is null
    nested = undefined;
    if (Object.hasOwn(root, key)) return undefined;
    if (value === '') {
      nested = { map: {}, indent: 0 };
      root[key] = nested.map;
      continue;
    }
    const scalar = simpleScalar(value);
    if (scalar === undefined) return undefined;
    root[key] = scalar;
  }
  if (nested !== undefined && nested.indent === 0) return undefined;
  return Object.keys(root).length === 0 ? undefined : root;
}

/** A string scalar on one line, or undefined when YAML could read it otherwise. */
function simpleScalar(value: string): string | undefined {
  const first = value[0];
  if (first === "'") {
    const quoted = SINGLE_QUOTED.exec(value);
    return quoted === null ? undefined : (quoted[1] ?? '').replaceAll("''", "'");
  }
  if (first === '"') {
    const quoted = DOUBLE_QUOTED.exec(value);
    return quoted === null ? undefined : (quoted[1] ?? '');
  }
  if (!readsAsString(value)) return undefined;
  // `: ` would start a mapping, ` #` a comment; flow brackets are left to the real parser.
  if (value.includes(': ') || value.includes(' #') || value.endsWith(':') || /[[\]{}]/.test(value)) {
    return undefined;
  }
  return value;
}

/** True when YAML 1.1 reads this unquoted word as a string, not a boolean, null or number. */
function readsAsString(plain: string): boolean {
  return PLAIN_START.test(plain) && !SPECIAL_WORDS.has(plain.toLowerCase()) && !EXPONENT.test(plain);
}

// A newline, printable ASCII and printable BMP characters. Tabs, carriage returns, C1 controls,
// the byte-order mark, surrogates (emoji) and U+2028/U+2029 (line breaks to YAML 1.1) are left to
// the full parser.
const SIMPLE_CHARACTERS = /^[\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*$/;
const ENTRY = /^([A-Za-z][A-Za-z0-9_-]{0,63}):(?: (.*))?$/;
const PLAIN_START = /^[A-Za-z]/;
const SINGLE_QUOTED = /^'((?:[^']|'')*)'$/;
const DOUBLE_QUOTED = /^"([^"\\]*)"$/;
// Words YAML 1.1 reads as booleans or null, in any case.
// YAML 1.1 floats may omit the digits before the exponent: `e0` is a number (NaN, in fact).
const EXPONENT = /^[eE][-+]?[0-9]/;
const SPECIAL_WORDS = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);
