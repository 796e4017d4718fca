/**
 * `webgpu()` reads its options through core's `checkOptions`, at the call (before any device is
 * asked for): an unknown key is named with the closest known one, and each value is checked.
 * Also the storage limit the backend states: the device's, whichever of its two limits binds.
 */
import { StrideError } from '@stride/core';
import { describe, expect, it } from 'vitest';
import { create } from 'webgpu';
import { webgpu } from '../src/index.js';
import { makeBackend } from './helpers.js';

const KNOWN = 'the options are gpu, powerPreference, debug, batchSize, maxPooledBytes';

describe('webgpu() options', () => {
  it('names an unknown option and the closest known one', () => {
    expect(() => webgpu({ batchsize: 8 } as never)).toThrow(StrideError);
    expect(() => webgpu({ batchsize: 8 } as never)).toThrow(
      `webgpu: unknown option 'batchsize' (did you mean 'batchSize'?); ${KNOWN}`,
    );
    expect(() => webgpu({ device: 'gpu' } as never)).toThrow(
      `webgpu: unknown option 'device'; ${KNOWN}`,
    );
  });

  it('checks each value', () => {
    const bad: [object, string][] = [
      [{ batchSize: 0 }, "option 'batchSize' must be an integer ≥ 1, got 0"],
      [{ batchSize: 2.5 }, "option 'batchSize' must be an integer ≥ 1, got 2.5"],
      [{ maxPooledBytes: -1 }, "option 'maxPooledBytes' must be an integer ≥ 0, got -1"],
      [{ debug: 'yes' }, "option 'debug' must be a boolean, got 'yes'"],
      [
        { powerPreference: 'fast' },
        "option 'powerPreference' must be one of 'low-power', 'high-performance', got 'fast'",
      ],
      [
        { gpu: {} },
        "option 'gpu' must be a GPU (navigator.gpu, or create([]) from the 'webgpu' package), got an object",
      ],
    ];
    for (const [options, message] of bad) {
      expect(() => webgpu(options as never)).toThrow(`webgpu: ${message}`);
    }
  });

  it('takes valid options', async () => {
    const b = await webgpu({ gpu: create([]), batchSize: 3, maxPooledBytes: 0 }).init();
    expect(b.context.stats().pool.maxPooledBytes).toBe(0);
    b.destroy?.();
  });
});

describe('webgpu() storage limit', () => {
  it("is the device's maxBufferSize or maxStorageBufferBindingSize, whichever is smaller", async () => {
    const b = await makeBackend();
    const { maxBufferSize, maxStorageBufferBindingSize } = b.context.device.limits;
    // At most 2^31 - 1 elements of 4 bytes: what the shaders' 32-bit positions reach.
    const addressable = (2 ** 31 - 1) * 4;
    expect(b.maxStorageBytes).toBe(
      Math.min(maxBufferSize, maxStorageBufferBindingSize, addressable),
    );
    expect(b.maxStorageBytes).toBe(b.context.maxStorageBytes);
    b.destroy?.();
  });
});
