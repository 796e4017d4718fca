import { fail, StrideError } from '@stride/core';

export { fail };

/** The message of any thrown value, for wrapping it in a StrideError. */
export function messageOf(error: unknown): string {
  if (error instanceof StrideError) return error.message.slice(error.fn.length + 2);
  return error instanceof Error ? error.message : String(error);
}
