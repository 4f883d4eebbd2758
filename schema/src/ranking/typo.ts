/**
 * True when `a` becomes `b` by at most one edit: inserting, deleting or substituting one
 * character, or swapping two adjacent ones (Damerau–Levenshtein distance ≤ 1).
 */
export function withinOneEdit(left: string, right: string): boolean {
  if (left === right) return true;
  // Code points, like oneEditVariants: an astral character is one character, not two.
  const a = [...left];
  const b = [...right];
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const same = (x: readonly string[], from: number, y: readonly string[], at: number): boolean =>
    x.length - from === y.length - at && x.slice(from).every((c, k) => c === y[at + k]);
  if (a.length === b.length) {
    if (same(a, i + 1, b, i + 1)) return true; // one substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && same(a, i + 2, b, i + 2);
  }
  // One insertion or deletion: skip the character the longer one has at the first difference.
  return a.length > b.length ? same(a, i + 1, b, i) : same(a, i, b, i + 1);
}

/**
 * Every string one edit away from `term` whose characters come from `alphabet` (plus the term's
 * own): looked up in a hash map, they find every word within one edit without scanning the
 * vocabulary. About 2 × |alphabet| × |term| strings — some 700 for a 10-letter term over a–z0–9.
 */
export function oneEditVariants(term: string, alphabet: readonly string[]): Set<string> {
  const variants = new Set<string>();
  const chars = [...term];
  const n = chars.length;
  const join = (parts: string[]): string => parts.join('');
  for (let i = 0; i < n; i++) {
    variants.add(join([...chars.slice(0, i), ...chars.slice(i + 1)]));
    if (i + 1 < n)
      variants.add(join([...chars.slice(0, i), chars[i + 1]!, chars[i]!, ...chars.slice(i + 2)]));
  }
  for (let i = 0; i <= n; i++) {
    const head = join(chars.slice(0, i));
    const tail = join(chars.slice(i));
    const rest = join(chars.slice(i + 1));
    for (const c of alphabet) {
      variants.add(head + c + tail);
      if (i < n) variants.add(head + c + rest);
    }
  }
  variants.delete(term);
  return variants;
}
