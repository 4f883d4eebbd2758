/**
 * Colours for one output stream: ANSI codes only when that stream is a terminal and the user has
 * not asked for none (https://no-color.org: NO_COLOR set to anything but the empty string).
 */
export interface Colors {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  green(text: string): string;
  cyan(text: string): string;
}

export interface MaybeTty {
  isTTY?: boolean;
}

export function colorsEnabled(stream: MaybeTty, env: Record<string, string | undefined>): boolean {
  const noColor = env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

export function makeColors(enabled: boolean): Colors {
  const wrap = (open: number, close: number) =>
    enabled ? (text: string) => `\u001b[${open}m${text}\u001b[${close}m` : (text: string) => text;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
  };
}
