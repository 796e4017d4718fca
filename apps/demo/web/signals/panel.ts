import type { DemoState } from '../state.js';
import { h } from '../ui/dom.js';
import { classifierView } from './classifier-view.js';
import { detectorView } from './detector-view.js';
import './signals.css';

/**
 * Panel 6: convolution in one dimension. First a filter anyone can read (an energy average that
 * finds the pauses in a speech-like signal), then SignalNet learning its own filters to tell four
 * kinds of signal apart.
 */
export function signalsPanel(state: DemoState): HTMLElement {
  return h(
    'section',
    { class: 'panel', id: 'signals', 'aria-labelledby': 'signals-title' },
    h(
      'h2',
      { id: 'signals-title' },
      h('span', { class: 'step' }, '6'),
      'Signals: convolution in 1-d',
    ),
    h(
      'p',
      { class: 'lead' },
      'A sound is a row of numbers, one per instant. A 1-d convolution slides a short filter along that row and writes one number per position, exactly as conv2d slides over an image, with one axis instead of two. ',
      'First a filter you can read, then filters a network learns by itself.',
    ),
    detectorView(),
    classifierView(state),
  );
}
