import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrainingChart {
  readonly element: HTMLElement;
  push(step: number, loss: number, accuracy: number): void;
  reset(): void;
}

/**
 * Loss (left axis) and training accuracy (right axis, %) against steps, with uPlot: a canvas
 * chart of ~50 kB that redraws thousands of points per frame, so the curve can update on every
 * step without slowing training.
 */
export function trainingChart(): TrainingChart {
  const element = document.createElement('div');
  element.className = 'chart';
  element.setAttribute('role', 'img');
  element.setAttribute('aria-label', 'Training loss and accuracy by step');
  const data: [number[], number[], number[]] = [[], [], []];
  const plot = new uPlot(
    {
      width: 600,
      height: 240,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, acc: { range: [0, 100] } },
      axes: [
        { label: 'step', stroke: '#475569', grid: { stroke: '#e2e8f0' } },
        { label: 'loss', stroke: '#4f46e5', grid: { stroke: '#e2e8f0' } },
        {
          scale: 'acc',
          side: 1,
          label: 'batch accuracy %',
          stroke: '#059669',
          grid: { show: false },
        },
      ],
      series: [
        { label: 'step' },
        {
          label: 'loss',
          stroke: '#4f46e5',
          width: 2,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : v.toFixed(3)),
        },
        {
          // The accuracy on each training batch as it comes (smoothed), not the test accuracy.
          label: 'batch accuracy',
          scale: 'acc',
          stroke: '#059669',
          width: 2,
          points: { show: false },
          value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)}%`),
        },
      ],
    },
    data,
    element,
  );
  const fit = () => {
    const width = Math.max(260, Math.floor(element.clientWidth));
    plot.setSize({ width, height: width < 480 ? 200 : 240 });
  };
  new ResizeObserver(fit).observe(element);
  return {
    element,
    push(step, loss, accuracy) {
      data[0].push(step);
      data[1].push(loss);
      data[2].push(accuracy * 100);
      plot.setData(data);
    },
    reset() {
      for (const series of data) series.length = 0;
      plot.setData(data);
    },
  };
}
