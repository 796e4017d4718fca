/**
 * A convolution layer followed by a `ReLU` as one fused op (`ConvNd.forwardRelu`), where that
 * cannot be told apart from running the two modules: both run their class's own `forward`. A
 * forward hook (or a `forward` replaced on the instance or overridden in a subclass) would have
 * to see the convolution's output, or run code of its own, so the pair then runs as two modules.
 */
import type { Tensor } from '@stride/core';
import { ReLU } from './activation.js';
import { ConvNd } from './conv.js';
import type { Module } from './module.js';

/** Whether `conv` then `act` may run as one fused convolution with relu. */
export function fusesWithRelu(conv: Module, act: Module | undefined): conv is ConvNd {
  return (
    conv instanceof ConvNd &&
    conv.forward === ConvNd.prototype.forward &&
    act instanceof ReLU &&
    act.forward === ReLU.prototype.forward
  );
}

/** `act(conv(x))`: fused where `fusesWithRelu` allows it. */
export function convThenActivation(conv: Module, act: Module, x: Tensor): Tensor {
  return fusesWithRelu(conv, act) ? conv.forwardRelu(x) : act(conv(x));
}
