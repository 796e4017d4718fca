/**
 * The first key that appears twice in one object of a JSON text, which `JSON.parse` accepts
 * silently, keeping the last value: in a safetensors header that would drop a tensor, or pick
 * one of two dtypes, without a word. Expects text that `JSON.parse` has already accepted.
 * `path` lists the keys of the objects around it, outermost first.
 */
export function findDuplicateKey(text: string): { key: string; path: string[] } | undefined {
  // One frame per open object or array: the keys seen so far (objects only), whether the next
  // string is a key, and the last key, which names the value being read.
  const stack: { keys?: Set<string>; expectKey: boolean; last?: string }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = i + 1;
      while (text.charCodeAt(end) !== 0x22) end += text.charCodeAt(end) === 0x5c ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          return { key, path: stack.slice(0, -1).map((f) => f.last ?? '') };
        }
        top.keys.add(key);
        top.last = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (c === 0x5b /* [ */) {
      stack.push({ expectKey: false });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys !== undefined) top.expectKey = true;
    }
  }
  return undefined;
}
