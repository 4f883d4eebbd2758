/** `a.b.0` style path for issues, from a list of keys. */
export function fieldPath(file: string, keys: readonly (string | number)[]): string {
  return keys.length === 0 ? file : `${file}:${keys.join('.')}`;
}
