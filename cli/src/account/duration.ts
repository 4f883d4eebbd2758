import { printable, UsageError } from '@skills/schema';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * A token lifetime from the command line: `90d`, `12h`, `30m`, `3600s` (or bare seconds), checked
 * against the registry's bounds so a mistake is a usage error before any request.
 */
export function parseDuration(text: string, option: string, bounds: { min: number; max: number }): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const seconds = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2] || 's']!;
  if (!Number.isSafeInteger(seconds)) {
    throw new UsageError(`${option} "${printable(text)}" is not a duration`, {
      hint: `write a number with a unit: 30d, 12h, 45m or 3600s`,
    });
  }
  if (seconds < bounds.min || seconds > bounds.max) {
    throw new UsageError(`${option} ${text} is out of range`, {
      hint: `give between ${formatDuration(bounds.min)} and ${formatDuration(bounds.max)}`,
    });
  }
  return seconds;
}

/** `90 days`, `1 hour`, `60 seconds`: the largest unit that divides the duration. */
export function formatDuration(seconds: number): string {
  for (const [unit, size] of [
    ['day', 86_400],
    ['hour', 3600],
    ['minute', 60],
  ] as const) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
