/**
 * The shape of one entry of the importer's op table: which attributes and how many inputs and
 * outputs an op may have (checked at import), which inputs are read as numbers on the host, and
 * the builder that runs the op with Stride's ops.
 */
import { fail, type Tensor } from '@stride/core';
import type { AttrSpec, Attrs } from './attributes.js';
import { type DeviceContext, isHost, toNumbers, toTensor, type Value } from './values.js';

/** What a builder knows about the node it runs. */
export interface NodeRun {
  /** The public function running the graph, for error messages (`OnnxModel.forward`). */
  readonly fn: string;
  /** The node as messages name it: `node 'conv1' (Conv)`. */
  readonly label: string;
  readonly attrs: Attrs;
  readonly ctx: DeviceContext;
  /** The model's opset of the default domain. */
  readonly opset: number;
  /** How many outputs the graph reads (the last non-empty output name's position + 1). */
  readonly wanted: number;
}

/** A node as the import-time checks see it. */
export interface NodeShape {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs: Attrs;
  readonly opset: number;
}

/** One op the importer supports. */
export interface OpSpec {
  /** The attributes the importer accepts, with the values it accepts. Any other is refused. */
  readonly attrs: Readonly<Record<string, AttrSpec>>;
  /** The least and most inputs (counting empty names for left-out optional ones). */
  readonly inputs: readonly [number, number];
  /** The most outputs the importer computes (default 1); a node asking for more is refused. */
  readonly outputs?: number;
  /** Inputs read as numbers (shapes, axes, pads, scales): float initializers there stay constants. */
  readonly hostInputs?: readonly number[];
  /** Inputs whose float initializers become buffers, not parameters (running statistics). */
  readonly bufferInputs?: readonly number[];
  /** Checks across attributes and inputs at import; returns why the node is refused. */
  readonly check?: (node: NodeShape) => string | undefined;
  /** Runs the node. `inputs[i]` is undefined for a left-out optional input. */
  readonly run: (node: NodeRun, inputs: readonly (Value | undefined)[]) => Value[];
}

/** Fails `node`'s run with `message`, naming the node. */
export function nodeFail(node: NodeRun, message: string): never {
  return fail(node.fn, `${node.label}: ${message}`);
}

/** Input `i` as a device tensor (a host value is uploaded); fails if it is missing. */
export function tensorIn(
  node: NodeRun,
  inputs: readonly (Value | undefined)[],
  i: number,
  name: string,
): Tensor {
  const v = inputs[i];
  if (v === undefined) nodeFail(node, `input ${name} is missing`);
  return toTensor(node.fn, `${node.label}: input ${name}`, v, node.ctx);
}

/** Optional input `i` as a device tensor, or null when it is left out. */
export function optionalTensorIn(
  node: NodeRun,
  inputs: readonly (Value | undefined)[],
  i: number,
  name: string,
): Tensor | null {
  return inputs[i] === undefined ? null : tensorIn(node, inputs, i, name);
}

/** Input `i` as numbers on the host, or undefined when it is left out. */
export function numbersIn(
  node: NodeRun,
  inputs: readonly (Value | undefined)[],
  i: number,
  name: string,
): number[] | undefined {
  const v = inputs[i];
  if (v === undefined) return undefined;
  return toNumbers(node.fn, `${node.label}: input ${name}`, v);
}

/** Whether every given input is a host value (so the op can run on the host). */
export function allHost(inputs: readonly (Value | undefined)[]): boolean {
  return inputs.every((v) => v === undefined || isHost(v));
}

/** An axis in [-rank, rank) made non-negative; fails naming the node otherwise. */
export function normAxis(node: NodeRun, axis: number, rank: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= Math.max(rank, 1)) {
    nodeFail(node, `${what} ${axis} is out of range for a ${rank}-d input`);
  }
  return axis < 0 ? axis + rank : axis;
}
