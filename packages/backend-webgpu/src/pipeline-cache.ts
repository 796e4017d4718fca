/**
 * Compute pipelines cached by their WGSL source. Compiling a shader takes milliseconds (far
 * longer than running a small kernel), so kernels never bake shapes or sizes into their code:
 * those travel as uniform words, and one pipeline serves every shape of an op. Code may still
 * vary with things that have few values (dtype, rank, operator), each variant compiled once.
 *
 * Every pipeline uses the binding layout of `dispatch.ts` (group 0: the uniform buffer at
 * binding 0, then the inputs read-only, then the outputs read-write), built explicitly rather than
 * with `layout: 'auto'`, so a shader may leave a binding unused without breaking its bind group.
 */

/** `GPUShaderStage.COMPUTE`. */
const COMPUTE_STAGE = 0x4;

/** Counters of the pipeline cache (`ContextStats.pipelines`). */
export interface PipelineStats {
  /** Distinct pipelines compiled. */
  readonly pipelines: number;
  /** Lookups served from the cache. */
  readonly hits: number;
  /** Lookups that compiled a pipeline (equal to `pipelines`). */
  readonly misses: number;
}

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly device: GPUDevice;
  /**
   * By code, then by `inputs:outputs:entryPoint`. The code is the outer key because kernels pass
   * the same string object every launch, whose hash V8 keeps: a key built by concatenation would
   * be a new string of several kilobytes to hash on every launch (most of the host time of a
   * small op).
   */
  private readonly pipelines = new Map<string, Map<string, CachedPipeline>>();
  private count = 0;
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private hits = 0;
  private misses = 0;

  constructor(device: GPUDevice) {
    this.device = device;
  }

  /**
   * The pipeline for `code` (entry point `entryPoint`) with `inputs` read-only and `outputs`
   * read-write storage bindings, compiled on first use.
   */
  get(code: string, inputs: number, outputs: number, entryPoint = 'main'): CachedPipeline {
    let byCode = this.pipelines.get(code);
    if (!byCode) {
      byCode = new Map();
      this.pipelines.set(code, byCode);
    }
    const k = `${inputs}:${outputs}:${entryPoint}`;
    const hit = byCode.get(k);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const layout = this.layout(inputs, outputs);
    const module = this.device.createShaderModule({ code });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint },
    });
    const made = { pipeline, layout };
    byCode.set(k, made);
    this.count++;
    return made;
  }

  stats(): PipelineStats {
    return { pipelines: this.count, hits: this.hits, misses: this.misses };
  }

  /** Binding 0 uniform; 1..inputs read-only storage; then `outputs` read-write storage. */
  private layout(inputs: number, outputs: number): GPUBindGroupLayout {
    const k = `${inputs}:${outputs}`;
    let layout = this.layouts.get(k);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [
        { binding: 0, visibility: COMPUTE_STAGE, buffer: { type: 'uniform' } },
      ];
      for (let i = 0; i < inputs + outputs; i++) {
        entries.push({
          binding: 1 + i,
          visibility: COMPUTE_STAGE,
          buffer: { type: i < inputs ? 'read-only-storage' : 'storage' },
        });
      }
      layout = this.device.createBindGroupLayout({ entries });
      this.layouts.set(k, layout);
    }
    return layout;
  }
}
