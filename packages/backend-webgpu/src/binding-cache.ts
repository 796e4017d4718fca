/**
 * Uniform buffers and bind groups kept for reuse. A training loop launches the same kernels on
 * the same shapes every step, and the buffer pool hands the same buffers back in the same order,
 * so after the first steps every launch finds its uniform words already on the GPU and its bind
 * group already made: a steady step writes no uniform bytes and creates no bind group.
 *
 * - Uniform buffers are keyed by their words. A cached one is written once, when it is made, and
 *   never again, so any number of recorded launches may share it.
 * - Bind groups are keyed by the layout and the identity of every buffer bound. A bind group
 *   binds buffers, not their contents, so it stays right whatever the buffers hold later; it
 *   only dies with a buffer the pool destroyed, and is then made anew.
 *
 * Both are least-recently-used caches of bounded size. An evicted uniform buffer goes back
 * through `release` (the dispatcher's `retire`, since recorded commands may still read it).
 */
import type { BufferPool } from './buffer-pool.js';
import { UNIFORM_USAGE } from './storage.js';

/** Distinct uniform contents kept (each buffer holds 16 to a few hundred bytes). */
export const MAX_CACHED_UNIFORMS = 4096;
/** Bind groups kept. */
export const MAX_CACHED_BIND_GROUPS = 8192;

interface CachedGroup {
  readonly group: GPUBindGroup;
  readonly buffers: readonly GPUBuffer[];
}

export class BindingCache {
  private readonly device: GPUDevice;
  private readonly pool: BufferPool;
  private readonly release: (buffer: GPUBuffer) => void;
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly groups = new Map<string, CachedGroup>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  /** Bytes written into new uniform buffers. */
  uniformBytes = 0;
  /** Bind groups created. */
  bindGroups = 0;

  constructor(device: GPUDevice, pool: BufferPool, release: (buffer: GPUBuffer) => void) {
    this.device = device;
    this.pool = pool;
    this.release = release;
  }

  /** A uniform buffer holding `data`, written when first asked for. */
  uniform(data: Uint32Array): GPUBuffer {
    const key = data.join(',');
    const hit = this.uniforms.get(key);
    if (hit) {
      // Map order is the recency order: move the hit to the back.
      this.uniforms.delete(key);
      this.uniforms.set(key, hit);
      return hit;
    }
    const buffer = this.pool.acquire(data.byteLength, UNIFORM_USAGE);
    // Held by the cache, not by a storage: the pool's live count is for storages and scratch.
    this.pool.detach(buffer);
    this.device.queue.writeBuffer(buffer, 0, data);
    this.uniformBytes += data.byteLength;
    this.uniforms.set(key, buffer);
    if (this.uniforms.size > MAX_CACHED_UNIFORMS) {
      const [oldKey, old] = this.uniforms.entries().next().value as [string, GPUBuffer];
      this.uniforms.delete(oldKey);
      this.pool.adopt(old);
      this.release(old);
    }
    return buffer;
  }

  /** A uniform buffer holding `data` for one launch: the caller retires it after recording. */
  oneOff(data: Uint32Array): GPUBuffer {
    const buffer = this.pool.acquire(data.byteLength, UNIFORM_USAGE);
    this.device.queue.writeBuffer(buffer, 0, data);
    this.uniformBytes += data.byteLength;
    return buffer;
  }

  /** The bind group of `layout` binding `buffers` whole, at bindings 0, 1, ... in order. */
  bindGroup(layout: GPUBindGroupLayout, buffers: readonly GPUBuffer[]): GPUBindGroup {
    let key = String(this.id(layout));
    for (const b of buffers) key += `:${this.id(b)}`;
    const hit = this.groups.get(key);
    if (hit && !hit.buffers.some((b) => this.pool.isDestroyed(b))) {
      this.groups.delete(key);
      this.groups.set(key, hit);
      return hit.group;
    }
    const group = this.device.createBindGroup({
      layout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    this.bindGroups++;
    this.groups.delete(key);
    this.groups.set(key, { group, buffers });
    if (this.groups.size > MAX_CACHED_BIND_GROUPS) {
      this.groups.delete(this.groups.keys().next().value as string);
    }
    return group;
  }

  /** Forgets everything (the device is gone): nothing is released, the pool is cleared apart. */
  clear(): void {
    this.uniforms.clear();
    this.groups.clear();
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }
}
