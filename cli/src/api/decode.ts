import { SkillsError } from '@skills/schema';

/**
 * Reads fields out of a registry answer, checking each type: the CLI prints and stores what the
 * registry says, so a broken answer is an error here rather than `undefined` somewhere later.
 */
export class Decoder {
  private constructor(
    private readonly value: Record<string, unknown>,
    private readonly what: string,
  ) {}

  static object(data: unknown, what: string): Decoder {
    if (typeof data !== 'object' || data === null || Array.isArray(data))
      throw broken(what, 'is not a JSON object');
    return new Decoder(data as Record<string, unknown>, what);
  }

  string(key: string): string {
    const value = this.value[key];
    if (typeof value !== 'string') throw broken(this.what, `has no string "${key}"`);
    return value;
  }

  stringOrNull(key: string): string | null {
    const value = this.value[key] ?? null;
    if (value !== null && typeof value !== 'string')
      throw broken(this.what, `"${key}" is not a string or null`);
    return value;
  }

  number(key: string): number {
    const value = this.value[key];
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw broken(this.what, `has no number "${key}"`);
    return value;
  }

  numberOrNull(key: string): number | null {
    const value = this.value[key] ?? null;
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
      throw broken(this.what, `"${key}" is not a number or null`);
    return value;
  }

  boolean(key: string): boolean {
    const value = this.value[key];
    if (typeof value !== 'boolean') throw broken(this.what, `has no boolean "${key}"`);
    return value;
  }

  strings(key: string): string[] {
    const value = this.value[key];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string'))
      throw broken(this.what, `"${key}" is not a list of strings`);
    return value as string[];
  }

  stringsOrNull(key: string): string[] | null {
    return (this.value[key] ?? null) === null ? null : this.strings(key);
  }

  /** Each item of a list member, as a decoder of its own. */
  objects(key: string): Decoder[] {
    const value = this.value[key];
    if (!Array.isArray(value)) throw broken(this.what, `"${key}" is not a list`);
    return value.map((item, i) => Decoder.object(item, `${this.what}.${key}[${i}]`));
  }
}

function broken(what: string, problem: string): SkillsError {
  return new SkillsError('HTTP_ERROR', `the registry's answer to ${what} ${problem}`, {
    hint: 'the registry sent an answer skills does not understand: update skills, or tell the registry operator',
  });
}
