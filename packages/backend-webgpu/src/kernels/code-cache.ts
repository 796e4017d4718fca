/**
 * Shader sources generated once per variant: a kernel launch looks its source up by a short key
 * instead of building (and the pipeline cache hashing) the whole WGSL string again.
 */
export function cachedCode(cache: Map<string, string>, key: string, make: () => string): string {
  let code = cache.get(key);
  if (code === undefined) {
    code = make();
    cache.set(key, code);
  }
  return code;
}
