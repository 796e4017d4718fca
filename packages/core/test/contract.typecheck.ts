/**
 * Compile-time checks of the backend contract, run by `pnpm typecheck` (not by vitest): a
 * plugin that misses a kernel must not type-check. Each `@ts-expect-error` fails the build if
 * the error it expects goes away.
 */
import { cpu } from '../../backend-cpu/src/index.js';
import type { Backend, UnlistedRequiredKernel } from '../src/index.js';

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

const { storageStats: _storageStats, ...withoutStorageStats } = complete;
// @ts-expect-error a backend that cannot report its storages is rejected
export const missingStorageStats: Backend = withoutStorageStats;

const { contractVersion: _contractVersion, ...withoutVersion } = complete;
// @ts-expect-error a backend that states no contract version is rejected
export const missingVersion: Backend = withoutVersion;

// The optional fused kernels may be left out.
const { reluBackward: _rb, convBias: _cb, adamStep: _as, ...unfused } = complete;
export const withoutFused: Backend = unfused;

// REQUIRED_KERNELS names every required method of the contract (registerBackend's run-time check).
export const everyRequiredKernelListed: [UnlistedRequiredKernel] extends [never] ? true : false =
  true;
