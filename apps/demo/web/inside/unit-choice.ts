/**
 * Which conv2 channel the units view opens on once every ascent is done: the one whose mean
 * activation rose most from the starting noise. Many channels stay nearly blank; the largest gain
 * is the clearest picture, and the same one every time for the same model and seeds. Ties go to
 * the lower channel.
 *
 * @example
 * largestGain([0, 0.1, -0.3], [0.5, 0.4, 0.9]); // 2: a gain of 1.2
 */
export function largestGain(starts: readonly number[], ends: readonly number[]): number {
  let best = 0;
  for (let c = 1; c < starts.length; c++) {
    const gain = (ends[c] as number) - (starts[c] as number);
    if (gain > (ends[best] as number) - (starts[best] as number)) best = c;
  }
  return best;
}
