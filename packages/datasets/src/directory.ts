import { option } from '@stride/core';

/**
 * The `dir` option of the loaders: a directory path (Node) or a base URL. An empty string is
 * refused: joined with a file name it would name a file at the root of the file system.
 */
export const directory = option.custom<string | URL>(
  'a directory path or URL (a non-empty string or a URL)',
  (v) => (typeof v === 'string' && v !== '') || v instanceof URL,
);
