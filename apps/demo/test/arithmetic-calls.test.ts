/**
 * The code the arithmetic panel generates. The Stride code, evaluated as written (its imports
 * resolved to the packages), returns the shape the panel shows, or throws the StrideError the
 * panel shows, for every setting of a grid. The text itself is checked for a few settings, and the
 * PyTorch code is the same call in PyTorch's words (arithmetic-torch.test.ts runs it).
 */
import { cpu } from '@stride/backend-cpu';
import * as core from '@stride/core';
import { memory, registerBackend, StrideError, type Tensor, tidy } from '@stride/core';
import * as layers from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { pytorchCall, pytorchCode, strideCall, strideCode } from '../web/arithmetic/calls.js';
import { runExample } from '../web/arithmetic/example.js';
import { settings, sweep } from './arithmetic-cases.js';

registerBackend(cpu({ threads: 1, relaxedSimd: false }));

const PACKAGES: Record<string, Record<string, unknown>> = {
  '@stride/core': core,
  '@stride/layers': layers,
};

/**
 * Runs generated Stride code: its import lines are checked against the packages' exports and
 * turned into arguments, the rest runs as a function body that ends by returning `y`.
 */
function evaluateStride(code: string): { shape: number[] } | { message: string } {
  const lines = code.split('\n');
  const names: string[] = [];
  const values: unknown[] = [];
  for (const line of lines.filter((l) => l.startsWith('import '))) {
    const m = /^import \{ ([\w, ]+) \} from '([@\w/-]+)';$/.exec(line);
    if (!m) throw new Error(`unexpected import line: ${line}`);
    const pkg = PACKAGES[m[2] as string];
    if (!pkg) throw new Error(`unknown package in: ${line}`);
    for (const name of (m[1] as string).split(', ')) {
      if (!(name in pkg)) throw new Error(`${m[2]} does not export ${name}`);
      names.push(name);
      values.push(pkg[name]);
    }
  }
  const body = lines.filter((l) => !l.startsWith('import ')).join('\n');
  const fn = new Function(...names, `${body}\nreturn typeof y === 'undefined' ? undefined : y;`);
  try {
    return { shape: tidy(() => (fn(...values) as Tensor).shape.slice()) };
  } catch (error) {
    if (!(error instanceof StrideError)) throw error;
    return { message: error.message };
  }
}

describe('the generated Stride code', () => {
  it('evaluated, gives the panel’s shape or throws the panel’s error, over a grid', () => {
    const before = memory().numTensors;
    let ran = 0;
    for (const s of sweep()) {
      const ex = runExample(s);
      const what = JSON.stringify(s);
      const result = evaluateStride(strideCode(s, ex));
      expect(result, what).toEqual(ex.ok ? { shape: ex.shape } : { message: ex.message });
      ran++;
    }
    expect(ran).toBeGreaterThan(1000);
    expect(memory().numTensors).toBe(before);
  });

  it('reads like a user would write it', () => {
    const s = settings({});
    expect(strideCode(s, runExample(s))).toBe(
      [
        "import { conv2d, randn } from '@stride/core';",
        '',
        'const x = randn([1, 2, 7, 7]); // [N, C, H, W]',
        'const w = randn([2, 2, 3, 3]); // [out, in / groups, kH, kW]',
        'const y = conv2d(x, w, { stride: 1, padding: 0, dilation: 1, groups: 1 });',
        '// y.shape: [1, 2, 5, 5]',
      ].join('\n'),
    );
    const t = settings({
      mode: 'transposed',
      dims: 3,
      input: 4,
      stride: 2,
      padding: 1,
      outputPadding: 1,
      inChannels: 4,
      outChannels: 2,
      groups: 2,
      flip: true,
    });
    expect(strideCall(t)).toBe(
      'convTranspose3d(x, flip(w, [2, 3, 4]), { stride: 2, padding: 1, outputPadding: 1, dilation: 1, groups: 2 })',
    );
    expect(strideCode(t, runExample(t)).split('\n').slice(2)).toEqual([
      'const x = randn([1, 4, 4, 4, 4]); // [N, C, D, H, W]',
      'const w = randn([4, 1, 3, 3, 3]); // [in, out / groups, kD, kH, kW]',
      `const y = ${strideCall(t)};`,
      '// y.shape: [1, 2, 8, 8, 8]',
    ]);
    const bad = settings({ dims: 1, input: 2, kernel: 5, inChannels: 1 });
    expect(strideCode(bad, runExample(bad)).split('\n').at(-1)).toBe(
      '// throws StrideError: conv1d: kernel [5] is larger than the padded input [2] (input [1,1,2], weight [2,1,5], padding before [0], after [0])',
    );
  });

  it('falls back to the layer where no functional weight can express the channels', () => {
    const s = settings({ mode: 'transposed', inChannels: 3, outChannels: 4, groups: 3 });
    const code = strideCode(s, runExample(s));
    expect(code.split('\n')[0]).toBe("import { ConvTranspose2d } from '@stride/layers';");
    expect(code).toContain(
      'const layer = new ConvTranspose2d(3, 4, 3, { stride: 1, padding: 0, outputPadding: 0, dilation: 1, groups: 3 });',
    );
    expect(evaluateStride(code)).toEqual({
      message: 'ConvTranspose2d: groups 3 must divide inChannels 3 and outChannels 4',
    });
    expect(pytorchCode(s, runExample(s))).toContain(
      'layer = torch.nn.ConvTranspose2d(3, 4, 3, stride=1, padding=0, output_padding=0, groups=3, dilation=1)',
    );
  });
});

describe('the generated PyTorch code', () => {
  it('is the same call in PyTorch’s words', () => {
    const s = settings({});
    expect(pytorchCode(s, runExample(s))).toBe(
      [
        'import torch',
        '',
        'x = torch.randn(1, 2, 7, 7)  # [N, C, H, W]',
        'w = torch.randn(2, 2, 3, 3)  # [out, in / groups, kH, kW]',
        'y = torch.nn.functional.conv2d(x, w, stride=1, padding=0, dilation=1, groups=1)',
        '# y.shape: torch.Size([1, 2, 5, 5])',
      ].join('\n'),
    );
    const t = settings({
      mode: 'transposed',
      dims: 1,
      stride: 2,
      padding: 1,
      outputPadding: 1,
      dilation: 2,
      flip: true,
    });
    expect(pytorchCall(t)).toBe(
      'torch.nn.functional.conv_transpose1d(x, torch.flip(w, [2]), stride=2, padding=1, output_padding=1, groups=1, dilation=2)',
    );
  });

  it('holds the call the tests run, for every third setting of the grid', () => {
    for (const s of sweep().filter((_, i) => i % 3 === 0)) {
      const ex = runExample(s);
      const code = pytorchCode(s, ex);
      if (s.mode === 'transposed' && s.inChannels % s.groups === 0 && s.outChannels % s.groups)
        continue;
      expect(code.split('\n')).toContain(`y = ${pytorchCall(s)}`);
    }
  });
});
