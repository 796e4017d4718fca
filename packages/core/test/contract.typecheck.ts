/**
 * Compile-time checks of the backend contract, run by `pnpm typecheck` (not by vitest): a
 * plugin that misses a kernel must not type-check. Each `@ts-expect-error` fails the build if
 * the error it expects goes away.
 */
import { cpu } from '../../backend-cpu/src/index.js';
import type { Backend } from '../src/index.js';

const complete = cpu();
const { conv: _conv, ...withoutConv } = complete;

// @ts-expect-error a backend without the `conv` kernel is rejected
export const missingConv: Backend = withoutConv;

const { matmul: _matmul, ...withoutMatmul } = complete;
// @ts-expect-error a backend without the `matmul` kernel is rejected
export const missingMatmul: Backend = withoutMatmul;

// A complete backend is accepted, and `readSync` may be left out (GPUs cannot read synchronously).
const { readSync: _readSync, ...asyncOnly } = complete;
export const ok: Backend = asyncOnly;
