import { SkillsError } from '../errors.js';

/** Turns a file-system failure into an IO error; our own errors pass through unchanged. */
export function ioError(error: unknown, action: string): SkillsError {
  if (error instanceof SkillsError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') {
    return new SkillsError('INTERNAL', `${action}: ${reason}`, {
      hint: 'This is a bug in skills; please report it.',
      cause: error,
    });
  }
  return new SkillsError('IO', `${action}: ${reason}`, {
    hint: 'Check that the path exists and that you may read and write it.',
    cause: error,
  });
}
