/**
 * The code the panel offers to copy: the Stride call and the PyTorch call for the current
 * settings, with tensors of the right shapes. Both call the same functional op with the same
 * options (`torch.nn.functional.conv_transpose2d` for `convTranspose2d`, ...), so they agree on
 * the shape and, given the same tensors, on the values; the tests run both to check.
 */
import { callOptions, type Example, spatialAxes } from './example.js';
import { type ArithSettings, functionalFits, inputShape, opName, weightShape } from './settings.js';

/** What the axes of the input and weight hold, for the comments next to them. */
function layouts(s: ArithSettings): { x: string; w: string } {
  const axes = ['L'];
  if (s.dims === 2) axes.splice(0, 1, 'H', 'W');
  if (s.dims === 3) axes.splice(0, 1, 'D', 'H', 'W');
  const k = axes.map((a) => `k${a}`);
  return {
    x: ['N', 'C', ...axes].join(', '),
    w: (s.mode === 'conv' ? ['out', 'in / groups', ...k] : ['in', 'out / groups', ...k]).join(', '),
  };
}

const list = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** The options object as the Stride call spells it: `{ stride: 2, padding: 1, ... }`. */
export function strideOptions(s: ArithSettings): string {
  const parts = Object.entries(callOptions(s)).map(([k, v]) => `${k}: ${v}`);
  return `{ ${parts.join(', ')} }`;
}

/** The Stride call itself, on tensors `x` and `w`: `conv2d(x, w, { ... })`. */
export function strideCall(s: ArithSettings): string {
  const w = s.flip ? `flip(w, ${list(spatialAxes(s))})` : 'w';
  return `${opName(s)}(x, ${w}, ${strideOptions(s)})`;
}

/** PyTorch's function for these settings: `torch.nn.functional.conv_transpose2d`, ... */
export function pytorchFunction(s: ArithSettings): string {
  return `torch.nn.functional.${s.mode === 'conv' ? 'conv' : 'conv_transpose'}${s.dims}d`;
}

/** PyTorch's keyword arguments, in its signature's order. */
function pytorchKeywords(s: ArithSettings): string {
  return s.mode === 'conv'
    ? `stride=${s.stride}, padding=${s.padding}, dilation=${s.dilation}, groups=${s.groups}`
    : `stride=${s.stride}, padding=${s.padding}, output_padding=${s.outputPadding}, groups=${s.groups}, dilation=${s.dilation}`;
}

/** The PyTorch call itself, on tensors `x` and `w`. */
export function pytorchCall(s: ArithSettings): string {
  const w = s.flip ? `torch.flip(w, ${list(spatialAxes(s))})` : 'w';
  return `${pytorchFunction(s)}(x, ${w}, ${pytorchKeywords(s)})`;
}

/** The layer that takes both channel counts, for settings no functional call can express. */
function layerName(s: ArithSettings): string {
  return `ConvTranspose${s.dims}d`;
}

/** The copyable Stride code: imports, tensors of the example's shapes, the call, its outcome. */
export function strideCode(s: ArithSettings, example: Example): string {
  if (!functionalFits(s)) {
    const options = `{ stride: ${s.stride}, padding: ${s.padding}, outputPadding: ${s.outputPadding}, dilation: ${s.dilation}, groups: ${s.groups} }`;
    return [
      `import { ${layerName(s)} } from '@stride/layers';`,
      '',
      `// No weight gives ${s.outChannels} output channels in ${s.groups} groups: the functional`,
      `// call's weight is [in, out / groups, ...kernel]. The layer takes both channel counts:`,
      `const layer = new ${layerName(s)}(${s.inChannels}, ${s.outChannels}, ${s.kernel}, ${options});`,
      outcome(example, '//'),
    ].join('\n');
  }
  const l = layouts(s);
  const names = [opName(s), ...(s.flip ? ['flip'] : []), 'randn'].sort();
  return [
    `import { ${names.join(', ')} } from '@stride/core';`,
    '',
    `const x = randn(${list(inputShape(s))}); // [${l.x}]`,
    `const w = randn(${list(weightShape(s))}); // [${l.w}]`,
    `const y = ${strideCall(s)};`,
    outcome(example, '//'),
  ].join('\n');
}

/** The copyable PyTorch code, the same call in PyTorch's words. */
export function pytorchCode(s: ArithSettings, example: Example): string {
  if (!functionalFits(s)) {
    return [
      'import torch',
      '',
      `layer = torch.nn.${layerName(s)}(${s.inChannels}, ${s.outChannels}, ${s.kernel}, stride=${s.stride}, padding=${s.padding}, output_padding=${s.outputPadding}, groups=${s.groups}, dilation=${s.dilation})`,
      '# raises: out_channels must be divisible by groups',
    ].join('\n');
  }
  const l = layouts(s);
  return [
    'import torch',
    '',
    `x = torch.randn(${inputShape(s).join(', ')})  # [${l.x}]`,
    `w = torch.randn(${weightShape(s).join(', ')})  # [${l.w}]`,
    `y = ${pytorchCall(s)}`,
    example.ok
      ? `# y.shape: torch.Size(${list(example.shape)})`
      : '# raises: PyTorch refuses these settings too',
  ].join('\n');
}

/** The last line of the Stride code: the shape core returned, or its error. */
function outcome(example: Example, comment: string): string {
  return example.ok
    ? `${comment} y.shape: ${list(example.shape)}`
    : `${comment} throws StrideError: ${example.message}`;
}
