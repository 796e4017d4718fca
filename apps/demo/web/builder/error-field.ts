/**
 * Which option of a layer a Stride error is about, so that the page can mark that field: the
 * option the message names first ("groups 4 must divide inChannels 6 …" is about groups, "padding
 * [2,2] must be at most half the kernel size" about padding). The message itself is shown as
 * Stride wrote it; this only picks the field to outline.
 */
import { FIELDS, type LayerKind } from './spec.js';

/** How each option is named in Stride's messages (layers' and core ops'). */
const NAMES: Record<string, RegExp> = {
  outChannels: /\boutChannels\b/,
  kernel: /\bkernel(Size)?\b/,
  stride: /\bstride\b/,
  padding: /\bpadding\b/,
  dilation: /\bdilation\b/,
  groups: /\bgroups\b/,
  inFeatures: /\binFeatures\b|\bfeatures but weight\b/,
  outFeatures: /\boutFeatures\b/,
  p: /\bp must\b/,
};

/** The key of the field of a `kind` layer that `message` names first, or null if none. */
export function errorField(kind: LayerKind, message: string): string | null {
  let best: string | null = null;
  let at = Number.POSITIVE_INFINITY;
  for (const { key } of FIELDS[kind]) {
    const pattern = NAMES[key];
    const found = pattern ? message.search(pattern) : -1;
    if (found >= 0 && found < at) {
      best = key;
      at = found;
    }
  }
  return best;
}
