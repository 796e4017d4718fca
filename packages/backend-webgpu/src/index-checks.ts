/**
 * The bookkeeping of `checkIndices` (see the `Backend` contract in core): index range checks run
 * on the GPU, like CUDA's device-side asserts, and are reported at the next read.
 *
 * A kernel call cannot wait for the GPU, so each check (kernels/check-indices.ts) writes its
 * result into a slot of two 32-bit flag words on the GPU, and the check's `report` waits here.
 * A read then copies the flags of every pending check into a staging buffer of its own, in the
 * same submission as the data, maps both, and throws the error of the earliest check that found
 * a value out of range. Every check the read collected is settled then, failed or not, and its
 * slots go back: the backend goes on as if nothing had happened.
 *
 * Slot words: [0] is 0 while every value is in range, else n - p for the first position p out
 * of range (`atomicMax` keeps the smallest p, so the value reported does not depend on the order
 * the GPU runs in); [1] is then the value at p.
 */
import type { BufferPool } from './buffer-pool.js';
import type { Dispatcher } from './dispatch.js';
import { MAP_MODE_READ, READBACK_USAGE, STORAGE_USAGE } from './storage.js';

/** Slots per flag buffer: one buffer serves this many checks between two reads. */
export const SLOTS_PER_BUFFER = 256;
/** Bytes of one slot: two 32-bit words. */
const SLOT_BYTES = 8;
const BUFFER_BYTES = SLOTS_PER_BUFFER * SLOT_BYTES;

/** Where a check writes its result: a flag buffer and the index of its first word there. */
export interface CheckSlot {
  /** The flag buffer, bound whole (a `GpuStorage` fits). */
  readonly buffer: GPUBuffer;
  /** The index of the slot's first 32-bit word in `buffer`. */
  readonly word: number;
}

/** A flag buffer and how many of its slots are taken. */
interface Flags {
  readonly buffer: GPUBuffer;
  used: number;
}

interface Pending {
  readonly flags: Flags;
  readonly slot: number;
  readonly report: (value: number) => Error;
  /** Called once the check is settled, with whether every value was in range. */
  readonly settled?: (passed: boolean) => void;
}

export class IndexChecks {
  private readonly pool: BufferPool;
  private readonly dispatcher: Dispatcher;
  private pending: Pending[] = [];
  /** Flag buffers with pending checks, in order; the last one takes new checks. */
  private buffers: Flags[] = [];

  constructor(pool: BufferPool, dispatcher: Dispatcher) {
    this.pool = pool;
    this.dispatcher = dispatcher;
  }

  /** Checks recorded and not yet collected by a read (for tests). */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * A slot for a new check, whose failure `report` makes the error of; `settled` hears whether
   * it passed once a read has collected it (false too when that read failed).
   */
  add(report: (value: number) => Error, settled?: (passed: boolean) => void): CheckSlot {
    let flags = this.buffers[this.buffers.length - 1];
    if (!flags || flags.used === SLOTS_PER_BUFFER) {
      // Zeroed by a recorded command, so it may be a buffer that recorded commands still use.
      const buffer =
        this.dispatcher.takeRetired(BUFFER_BYTES, STORAGE_USAGE) ??
        this.pool.acquire(BUFFER_BYTES, STORAGE_USAGE);
      this.dispatcher.clear(buffer, BUFFER_BYTES);
      flags = { buffer, used: 0 };
      this.buffers.push(flags);
    }
    const slot = flags.used++;
    this.pending.push({ flags, slot, report, settled });
    return { buffer: flags.buffer, word: (slot * SLOT_BYTES) / 4 };
  }

  /**
   * Takes every pending check and records copying its flags into a staging buffer; null when
   * there is none. Call it before the submission that the read waits for, then `map` the result.
   */
  collect(): CollectedChecks | null {
    if (this.pending.length === 0) return null;
    const pending = this.pending;
    const buffers = this.buffers;
    this.pending = [];
    this.buffers = [];
    let bytes = 0;
    for (const f of buffers) bytes += f.used * SLOT_BYTES;
    const staging = this.pool.acquire(bytes, READBACK_USAGE);
    const offsets = new Map<Flags, number>();
    let at = 0;
    for (const f of buffers) {
      offsets.set(f, at);
      this.dispatcher.copy(f.buffer, 0, staging, at, f.used * SLOT_BYTES);
      at += f.used * SLOT_BYTES;
    }
    return new CollectedChecks(this.dispatcher, staging, bytes, pending, offsets);
  }

  /** Forgets every pending check (the device is gone). */
  drop(): void {
    for (const p of this.pending) p.settled?.(false);
    this.pending = [];
    this.buffers = [];
  }
}

/** The checks one read collected: their flags on the way to the host. */
export class CollectedChecks {
  private words: Uint32Array | null = null;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly staging: GPUBuffer,
    private readonly bytes: number,
    private readonly pending: readonly Pending[],
    private readonly offsets: ReadonlyMap<Flags, number>,
  ) {}

  /** Maps the staging buffer once the GPU has written it (after the submission). */
  async map(): Promise<void> {
    await this.staging.mapAsync(MAP_MODE_READ, 0, this.bytes);
    this.words = new Uint32Array(this.staging.getMappedRange(0, this.bytes).slice(0));
    this.staging.unmap();
  }

  /** The error of the earliest check that found a value out of range, or null (after `map`). */
  failure(): Error | null {
    const words = this.words;
    if (!words) return null;
    for (const p of this.pending) {
      const at = ((this.offsets.get(p.flags) as number) + p.slot * SLOT_BYTES) / 4;
      if (words[at] !== 0) return p.report((words[at + 1] as number) | 0);
    }
    return null;
  }

  /** Gives the staging and flag buffers back: the checks are settled. */
  release(): void {
    const words = this.words;
    for (const p of this.pending) {
      const at = ((this.offsets.get(p.flags) as number) + p.slot * SLOT_BYTES) / 4;
      p.settled?.(words !== null && words[at] === 0);
    }
    if (this.staging.mapState === 'mapped') this.staging.unmap();
    this.dispatcher.retire(this.staging);
    for (const f of this.offsets.keys()) this.dispatcher.retire(f.buffer);
  }
}
