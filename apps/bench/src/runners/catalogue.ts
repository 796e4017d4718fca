/**
 * Every runner the harness knows, in the order a run visits them: Stride's backends first (the
 * CPU one is the reference every other row is checked against), then the peers.
 */
export interface RunnerSpec {
  readonly name: string;
  /** Stride itself, or a library it is compared with. */
  readonly kind: 'stride' | 'peer';
  /** Peers are compared with Stride on the same kind of device. */
  readonly device: 'cpu' | 'gpu';
  /** The Python worker runs PyTorch; everything else runs in a Node child. */
  readonly process: 'node' | 'python';
}

export const RUNNERS: readonly RunnerSpec[] = [
  { name: 'stride-cpu', kind: 'stride', device: 'cpu', process: 'node' },
  { name: 'stride-webgpu', kind: 'stride', device: 'gpu', process: 'node' },
  { name: 'pytorch', kind: 'peer', device: 'cpu', process: 'python' },
  { name: 'onnxruntime', kind: 'peer', device: 'cpu', process: 'node' },
  { name: 'tfjs-wasm', kind: 'peer', device: 'cpu', process: 'node' },
  { name: 'tfjs-cpu', kind: 'peer', device: 'cpu', process: 'node' },
  { name: 'tfjs-webgpu', kind: 'peer', device: 'gpu', process: 'node' },
];

/** The Stride runner that a peer on `device` is compared with. */
export function strideFor(device: RunnerSpec['device']): string {
  return device === 'gpu' ? 'stride-webgpu' : 'stride-cpu';
}
