/**
 * A pool of GPU buffers, so that a training loop, which frees and allocates the same sizes every
 * step, stops creating buffers after its first step. Creating a GPU buffer is slow (a driver
 * call, often a zeroing pass) and JavaScript cannot make the GPU free memory on its own schedule,
 * so buffers are recycled by hand.
 *
 * Buffers are pooled by usage and size class: sizes are rounded up to one of four steps per
 * power of two (16, 20, 24, 28, 32, 40, 48, 56, 64, ...), which wastes at most a quarter of a
 * buffer while letting nearby sizes share. The bytes held in the pool are bounded: past
 * `maxPooledBytes` the least recently released buffers are destroyed.
 *
 * Every operation takes constant time, however many buffers are pooled (`destroy()` of a backend
 * holding hundreds of thousands of buffers is linear in them).
 *
 * The pool does not know about the GPU's timeline: a caller releases a buffer only once nothing
 * queued later can still see its old contents (see `dispatch.ts`).
 */

/** Creates a buffer of exactly `size` bytes (a size class) with `usage`. */
export type CreateBuffer = (size: number, usage: number) => GPUBuffer;

export interface PoolOptions {
  /** Upper bound on the bytes of released buffers kept for reuse. */
  readonly maxPooledBytes: number;
  /** The device's `maxBufferSize`: size classes never round past it. */
  readonly maxBufferSize: number;
}

/** Counters of the GPU buffer pool (`ContextStats.pool`); sizes are size classes. */
export interface PoolStats {
  /** Buffers handed out and not yet released. */
  readonly liveBuffers: number;
  /** The total size of the live buffers, in bytes. */
  readonly liveBytes: number;
  /** Released buffers waiting for reuse. */
  readonly pooledBuffers: number;
  /** The total size of the pooled buffers, in bytes. */
  readonly pooledBytes: number;
  /** The cap on `pooledBytes`. */
  readonly maxPooledBytes: number;
  /** Buffers created since the backend started. */
  readonly created: number;
  /** Requests served from the pool instead of creating a buffer. */
  readonly reused: number;
  /** Pooled buffers destroyed to stay under the cap (or after running out of GPU memory). */
  readonly evicted: number;
}

/** The smallest buffer the pool makes: 16 bytes also satisfies uniform-buffer size rules. */
export const MIN_BUFFER_BYTES = 16;

/** Rounds `bytes` up to its size class (a multiple of 4, at least 16, at most 25% larger). */
export function sizeClass(bytes: number, maxBufferSize = Number.POSITIVE_INFINITY): number {
  const n = Math.max(MIN_BUFFER_BYTES, Math.ceil(bytes / 4) * 4);
  const octave = 2 ** Math.floor(Math.log2(n));
  const step = octave / 4;
  const rounded = Math.ceil(n / step) * step;
  return rounded <= maxBufferSize ? rounded : n;
}

/**
 * A pooled buffer: a node of two doubly linked lists, every pooled buffer in release order (the
 * eviction order) and those of its usage and size, so that taking the newest of a size, evicting
 * the oldest of all, and giving one back each take constant time, however many are pooled.
 */
interface Pooled {
  readonly buffer: GPUBuffer;
  readonly size: number;
  readonly list: SizeList;
  older: Pooled | null;
  newer: Pooled | null;
  olderOfSize: Pooled | null;
  newerOfSize: Pooled | null;
}

/** The pooled buffers of one usage and size, oldest to newest. */
interface SizeList {
  oldest: Pooled | null;
  newest: Pooled | null;
}

export class BufferPool {
  private readonly create: CreateBuffer;
  private readonly options: PoolOptions;
  /** Released buffers by `usage:size`; the last released is reused first (warm in caches). */
  private readonly free = new Map<string, SizeList>();
  /** Every pooled buffer in release order: the oldest is evicted first. */
  private oldest: Pooled | null = null;
  private newest: Pooled | null = null;
  private pooledBuffers = 0;
  private readonly live = new Set<GPUBuffer>();
  private liveBytes = 0;
  private pooledBytes = 0;
  private created = 0;
  private reused = 0;
  private evicted = 0;
  /** Buffers this pool destroyed, so that caches holding them (binding-cache.ts) can tell. */
  private readonly destroyed = new WeakSet<GPUBuffer>();

  constructor(create: CreateBuffer, options: PoolOptions) {
    this.create = create;
    this.options = options;
  }

  /** A buffer of at least `bytes` bytes with exactly `usage`, reused when one is free. */
  acquire(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes, this.options.maxBufferSize);
    const node = this.free.get(key(usage, size))?.newest;
    let buffer: GPUBuffer;
    if (node) {
      this.unlink(node);
      buffer = node.buffer;
      this.reused++;
    } else {
      buffer = this.create(size, usage);
      this.created++;
    }
    this.live.add(buffer);
    this.liveBytes += size;
    return buffer;
  }

  /** Returns a buffer for reuse. Releasing one that is not live (twice, or foreign) does nothing. */
  release(buffer: GPUBuffer): void {
    if (!this.live.delete(buffer)) return;
    const size = buffer.size;
    this.liveBytes -= size;
    const k = key(buffer.usage, size);
    let list = this.free.get(k);
    if (!list) {
      list = { oldest: null, newest: null };
      this.free.set(k, list);
    }
    const node: Pooled = {
      buffer,
      size,
      list,
      older: this.newest,
      newer: null,
      olderOfSize: list.newest,
      newerOfSize: null,
    };
    if (this.newest) this.newest.newer = node;
    else this.oldest = node;
    this.newest = node;
    if (list.newest) list.newest.newerOfSize = node;
    else list.oldest = node;
    list.newest = node;
    this.pooledBuffers++;
    this.pooledBytes += size;
    this.trim(this.options.maxPooledBytes);
  }

  /** Destroys pooled buffers, oldest first, until at most `maxBytes` are pooled. */
  trim(maxBytes: number): void {
    while (this.oldest && this.pooledBytes > maxBytes) {
      const node = this.oldest;
      this.unlink(node);
      this.evicted++;
      this.destroyed.add(node.buffer);
      node.buffer.destroy();
    }
  }

  /** Takes `node` out of both lists. */
  private unlink(node: Pooled): void {
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    const list = node.list;
    if (node.olderOfSize) node.olderOfSize.newerOfSize = node.newerOfSize;
    else list.oldest = node.newerOfSize;
    if (node.newerOfSize) node.newerOfSize.olderOfSize = node.olderOfSize;
    else list.newest = node.olderOfSize;
    this.pooledBuffers--;
    this.pooledBytes -= node.size;
  }

  /**
   * Takes a live buffer out of the pool's books, for a cache that keeps it indefinitely (the
   * uniform buffers of binding-cache.ts): it no longer counts as live, as a leak would.
   * `adopt` brings it back, as a live buffer, before it is released.
   */
  detach(buffer: GPUBuffer): void {
    if (this.live.delete(buffer)) this.liveBytes -= buffer.size;
  }

  /** Counts a buffer given up by `detach` as live again, so that `release` takes it back. */
  adopt(buffer: GPUBuffer): void {
    if (this.live.has(buffer)) return;
    this.live.add(buffer);
    this.liveBytes += buffer.size;
  }

  /** Whether this pool destroyed `buffer` (evicted it, or trimmed it after running out of memory). */
  isDestroyed(buffer: GPUBuffer): boolean {
    return this.destroyed.has(buffer);
  }

  stats(): PoolStats {
    return {
      liveBuffers: this.live.size,
      liveBytes: this.liveBytes,
      pooledBuffers: this.pooledBuffers,
      pooledBytes: this.pooledBytes,
      maxPooledBytes: this.options.maxPooledBytes,
      created: this.created,
      reused: this.reused,
      evicted: this.evicted,
    };
  }

  /** Forgets every buffer (the device is gone or being destroyed). */
  clear(): void {
    this.trim(0);
    this.free.clear();
    this.live.clear();
    this.liveBytes = 0;
  }
}

function key(usage: number, size: number): string {
  return `${usage}:${size}`;
}
