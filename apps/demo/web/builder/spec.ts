/**
 * The network builder's architecture as plain data: a list of layers, each with the options a
 * user can set, in the form they were typed. It is what the page edits, what the safetensors
 * download records, and what `analyse` (analysis.ts) turns into `@stride/layers` modules.
 *
 * Values are kept as typed: a number, a pair `[h, w]` for a per-axis option, `'same'`/`'valid'`
 * for padding, or any other text, which is handed to Stride unchanged so that the layer's own
 * `StrideError` says what is wrong with it (a builder that quietly fixed "0" or "abc" would teach
 * nothing). Input channels and a batch norm's features are not options: they follow from the
 * layer before, as in a lazy PyTorch module. A linear layer's input features are an option, as in
 * `nn.Linear`, because getting them wrong is the classic mistake the builder should show.
 */

/** One number, one per spatial axis (`[h, w]`), a padding mode, or text that is neither. */
export type AxisValue = number | readonly number[] | string;
/** A number, or text that is not one. */
export type NumberValue = number | string;

export interface ConvLayerSpec {
  readonly kind: 'conv';
  readonly outChannels: NumberValue;
  readonly kernel: AxisValue;
  readonly stride: AxisValue;
  readonly padding: AxisValue;
  readonly dilation: AxisValue;
  readonly groups: NumberValue;
  readonly bias: boolean;
}

export interface MaxPoolLayerSpec {
  readonly kind: 'maxpool';
  readonly kernel: AxisValue;
  /** null: the kernel size, PyTorch's default. */
  readonly stride: AxisValue | null;
  readonly padding: AxisValue;
  readonly dilation: AxisValue;
}

export interface AvgPoolLayerSpec {
  readonly kind: 'avgpool';
  readonly kernel: AxisValue;
  /** null: the kernel size, PyTorch's default. */
  readonly stride: AxisValue | null;
  readonly padding: AxisValue;
}

export interface LinearLayerSpec {
  readonly kind: 'linear';
  readonly inFeatures: NumberValue;
  readonly outFeatures: NumberValue;
  readonly bias: boolean;
}

export interface DropoutLayerSpec {
  readonly kind: 'dropout';
  readonly p: NumberValue;
}

/** Batch norm over channels: `BatchNorm2d` on feature maps, `BatchNorm1d` on flat features. */
export interface BatchNormLayerSpec {
  readonly kind: 'batchnorm';
}

export interface PlainLayerSpec {
  readonly kind: 'relu' | 'tanh' | 'flatten';
}

export type LayerSpec =
  | ConvLayerSpec
  | MaxPoolLayerSpec
  | AvgPoolLayerSpec
  | LinearLayerSpec
  | DropoutLayerSpec
  | BatchNormLayerSpec
  | PlainLayerSpec;

export type LayerKind = LayerSpec['kind'];

/** The layers, in the order they run on a `[1, 1, 28, 28]` MNIST image. */
export type NetworkSpec = readonly LayerSpec[];

/** The input the builder's networks take: one 28×28 grey MNIST image, batch included. */
export const INPUT_SHAPE: readonly number[] = [1, 1, 28, 28];
/** What a classifier of MNIST must output for that input. */
export const OUTPUT_SHAPE: readonly number[] = [1, 10];

/** The layer kinds a user can add, with what the page calls them. */
export const KINDS: readonly (readonly [LayerKind, string])[] = [
  ['conv', 'Convolution (Conv2d)'],
  ['maxpool', 'Max pooling (MaxPool2d)'],
  ['avgpool', 'Average pooling (AvgPool2d)'],
  ['batchnorm', 'Batch norm'],
  ['relu', 'ReLU'],
  ['tanh', 'Tanh'],
  ['dropout', 'Dropout'],
  ['flatten', 'Flatten'],
  ['linear', 'Linear'],
];

/**
 * A new layer of `kind` with PyTorch's defaults and sizes that suit MNIST; a linear layer takes
 * the features of `input` (the shape where it goes), when known.
 */
export function defaultLayer(kind: LayerKind, input?: readonly number[] | null): LayerSpec {
  switch (kind) {
    case 'conv':
      return {
        kind,
        outChannels: 8,
        kernel: 3,
        stride: 1,
        padding: 1,
        dilation: 1,
        groups: 1,
        bias: true,
      };
    case 'maxpool':
      return { kind, kernel: 2, stride: null, padding: 0, dilation: 1 };
    case 'avgpool':
      return { kind, kernel: 2, stride: null, padding: 0 };
    case 'linear':
      return { kind, inFeatures: input?.[input.length - 1] ?? 10, outFeatures: 10, bias: true };
    case 'dropout':
      return { kind, p: 0.25 };
    case 'batchnorm':
    case 'relu':
    case 'tanh':
    case 'flatten':
      return { kind };
  }
}

/** How a field is typed: per-axis values, one whole number, a probability, or a switch. */
export type FieldType = 'axes' | 'padding' | 'int' | 'prob' | 'bool';

export interface FieldInfo {
  /** The spec's key, which is also the name errors are matched against (errors.ts). */
  readonly key: string;
  readonly label: string;
  readonly type: FieldType;
  /** A null value (shown empty) means this default, in words. */
  readonly empty?: string;
}

const KERNEL: FieldInfo = { key: 'kernel', label: 'kernel', type: 'axes' };
const STRIDE: FieldInfo = { key: 'stride', label: 'stride', type: 'axes' };
const POOL_STRIDE: FieldInfo = { ...STRIDE, empty: '= kernel' };
const PADDING: FieldInfo = { key: 'padding', label: 'padding', type: 'padding' };
const POOL_PADDING: FieldInfo = { ...PADDING, type: 'axes' };
const DILATION: FieldInfo = { key: 'dilation', label: 'dilation', type: 'axes' };
const BIAS: FieldInfo = { key: 'bias', label: 'bias', type: 'bool' };

/** The options the page shows for each kind, in order. */
export const FIELDS: Record<LayerKind, readonly FieldInfo[]> = {
  conv: [
    { key: 'outChannels', label: 'out channels', type: 'int' },
    KERNEL,
    STRIDE,
    PADDING,
    DILATION,
    { key: 'groups', label: 'groups', type: 'int' },
    BIAS,
  ],
  maxpool: [KERNEL, POOL_STRIDE, POOL_PADDING, DILATION],
  avgpool: [KERNEL, POOL_STRIDE, POOL_PADDING],
  linear: [
    { key: 'inFeatures', label: 'in features', type: 'int' },
    { key: 'outFeatures', label: 'out features', type: 'int' },
    BIAS,
  ],
  dropout: [{ key: 'p', label: 'p (drop rate)', type: 'prob' }],
  batchnorm: [],
  relu: [],
  tanh: [],
  flatten: [],
};

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * What the user typed in a field, as a spec value: `"3"` → 3, `"3,5"`, `"3x5"` or `"3 5"` →
 * `[3, 5]`, `"same"`/`"valid"` for padding, `""` → null where the field has a default; anything
 * else stays text, for Stride to refuse by name.
 */
export function parseField(info: FieldInfo, text: string): AxisValue | null {
  const t = text.trim();
  if (t === '' && info.empty !== undefined) return null;
  if (NUMBER.test(t)) return Number(t);
  if (info.type === 'padding' && (t === 'same' || t === 'valid')) return t;
  if (info.type === 'axes' || info.type === 'padding') {
    const parts = t.split(/\s*[,x×]\s*|\s+/i);
    if (parts.length === 2 && parts.every((p) => NUMBER.test(p))) return parts.map(Number);
  }
  return text;
}

/** A spec value as the page shows it in its field: the inverse of `parseField`. */
export function formatField(value: AxisValue | boolean | null): string {
  if (value === null) return '';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** A copy of `spec` with `layer`'s field `key` set to `value`. */
export function setField(
  spec: NetworkSpec,
  layer: number,
  key: string,
  value: AxisValue | boolean | null,
): NetworkSpec {
  return spec.map((l, i) => (i === layer ? ({ ...l, [key]: value } as LayerSpec) : l));
}
