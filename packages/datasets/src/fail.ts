import { fail, StrideError } from '@stride/core';

export { fail };

/** The message of any thrown value, for wrapping it in a StrideError. */
export function messageOf(error: unknown): string {
  if (error instanceof StrideError) return error.message.slice(error.fn.length + 2);
  return error instanceof Error ? error.message : String(error);
}

/** What kind of value `v` is, for "got …" in messages: `null`, `number`, `a Map`, `an object`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'an array';
  const name = (v as object).constructor?.name;
  if (!name || name === 'Object') return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}
