// Checks the browser test setup itself, independently of the backend: Chromium exposes a
// WebGPU adapter (SwiftShader on a machine without a GPU), a compute shader runs on it and its
// result reads back. When this fails, every other browser test fails for the same reason.
import { describe, expect, it } from 'vitest';

// The flag values from the WebGPU spec: TypeScript's DOM lib types the flags as numbers but does
// not declare the GPUBufferUsage / GPUMapMode globals.
const MAP_READ = 0x1;
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const STORAGE = 0x80;
const MAP_MODE_READ = 0x1;

const DOUBLE = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> data: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x < arrayLength(&data)) {
    data[id.x] = data[id.x] * 2.0;
  }
}
`;

describe('WebGPU in Chromium', () => {
  it('has an adapter and a device', async () => {
    expect(
      typeof navigator.gpu?.requestAdapter,
      'navigator.gpu (is --enable-unsafe-webgpu set?)',
    ).toBe('function');
    const adapter = await navigator.gpu.requestAdapter();
    expect(adapter, 'requestAdapter() found no adapter').not.toBeNull();
    const device = await (adapter as GPUAdapter).requestDevice();
    expect(device.limits.maxComputeWorkgroupSizeX).toBeGreaterThanOrEqual(64);
    device.destroy();
  });

  it('runs a compute shader and reads the result back', async () => {
    const adapter = await navigator.gpu.requestAdapter();
    const device = await (adapter as GPUAdapter).requestDevice();
    const n = 1000;
    const input = Float32Array.from({ length: n }, (_, i) => i - 500.25);

    const data = device.createBuffer({
      size: input.byteLength,
      usage: STORAGE | COPY_SRC | COPY_DST,
    });
    device.queue.writeBuffer(data, 0, input);
    const readback = device.createBuffer({
      size: input.byteLength,
      usage: MAP_READ | COPY_DST,
    });

    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code: DOUBLE }), entryPoint: 'main' },
    });
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: data } }],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(Math.ceil(n / 64));
    pass.end();
    encoder.copyBufferToBuffer(data, 0, readback, 0, input.byteLength);
    device.queue.submit([encoder.finish()]);

    await readback.mapAsync(MAP_MODE_READ);
    const output = new Float32Array(readback.getMappedRange().slice(0));
    readback.unmap();
    device.destroy();

    expect(Array.from(output)).toEqual(Array.from(input, (x) => x * 2));
  });

  it('is cross-origin isolated (SharedArrayBuffer is available)', () => {
    expect(crossOriginIsolated).toBe(true);
    expect(typeof SharedArrayBuffer).toBe('function');
  });
});
