/**
 * Fixed addresses in the kernels' memory (bytes). The control block and job arguments are read
 * by every thread; the heap of storages and scratch (heap.ts) starts after them.
 */
export const CONTROL = 64;
/** Control words (i32 indices from CONTROL): see assembly/jobs.ts. */
export const EPOCH = 0;
export const JOB = 1;
export const FINISHED = 2;
export const STOP = 3;
/** The next unit to claim, an i64 over words 4 and 5. */
export const NEXT_LOW = 4;
export const NEXT_HIGH = 5;
/** Set by a worker whose kernel threw, so the caller fails instead of waiting forever. */
export const FAILED = 6;
/** Workers asleep in Atomics.wait: the caller pays for a wake-up call only when one is. */
export const SLEEPING = 7;
/** A second control block, for jobs of one unit, which the caller runs alone. */
export const LOCAL_CONTROL = 96;
export const JOB_ARGS = 128;
export const GEOMETRY = 256;
/** Bytes 1020–1023 hold the GEMM's tile height, which assembly/gemm.ts reads (setTileRows). */
export const HEAP_START = 1024;
