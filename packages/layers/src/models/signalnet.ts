/**
 * A small 1-d CNN for signals, e.g. telling silence from sound in audio clips: blocks of
 * Conv1d (no bias: BatchNorm's shift replaces it) → BatchNorm1d → ReLU → MaxPool1d, then global
 * average pooling over time and a Linear classifier. Global pooling makes it accept any clip
 * length long enough to survive the pools (at least poolSize^blocks samples).
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { type Tensor, tidy } from '@stride/core';
import { ReLU } from '../activation.js';
import { AdaptiveAvgPool1d } from '../adaptive.js';
import { BatchNorm1d } from '../batchnorm.js';
import {
  checkOptions,
  factoryRules,
  fail,
  modelError,
  noExtraArgs,
  option,
  positiveInt,
} from '../check.js';
import { Conv1d } from '../conv.js';
import { Flatten } from '../flatten.js';
import type { FactoryOptions } from '../init.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { MaxPool1d } from '../pooling.js';
import { Sequential } from '../sequential.js';

/** Options of `SignalNet`. */
export interface SignalNetOptions extends FactoryOptions {
  /** Signal channels, e.g. 1 for mono audio (default 1). */
  inChannels?: number;
  /** Output classes (default 2: silence or not). */
  numClasses?: number;
  /** Output channels of each block (default [16, 32, 64]). */
  channels?: readonly number[];
  /** Odd convolution kernel size; padding keeps the length (default 9). */
  kernelSize?: number;
  /** Max-pool size and stride after each block (default 4). */
  poolSize?: number;
}

/**
 * A small 1-d CNN for signals: blocks of Conv1d → BatchNorm1d → ReLU → MaxPool1d, then global
 * average pooling over time and a Linear classifier, so it takes any length of at least
 * `poolSize ** blocks` samples.
 */
export class SignalNet extends Module {
  static override readonly typeName = 'SignalNet';

  /** The convolution blocks, four modules per entry of `channels`. */
  readonly features: Sequential;
  /** Global average pooling over time, to `[N, C, 1]`. */
  readonly pool: AdaptiveAvgPool1d;
  /** Flattens `[N, C, 1]` to `[N, C]`. */
  readonly flatten: Flatten;
  /** The classifier, last block's channels → `numClasses`. */
  readonly fc: Linear;

  constructor(options?: SignalNetOptions) {
    noExtraArgs('SignalNet', arguments, ['options']);
    super();
    const fn = 'SignalNet';
    const channelList = option.arrayOf(positiveInt);
    const opts = checkOptions(fn, options, {
      inChannels: positiveInt,
      numClasses: positiveInt,
      channels: option.custom<readonly number[]>(
        'a non-empty array of integers ≥ 1',
        (v) => channelList.test(v) && (v as unknown[]).length > 0,
      ),
      kernelSize: positiveInt,
      poolSize: positiveInt,
      ...factoryRules(),
    });
    const inChannels = opts.inChannels ?? 1;
    const numClasses = opts.numClasses ?? 2;
    const channels = [...(opts.channels ?? [16, 32, 64])];
    const k = opts.kernelSize ?? 9;
    if (k % 2 === 0) {
      fail(fn, `option 'kernelSize' must be odd so that padding keeps the length, got ${k}`);
    }
    const poolSize = opts.poolSize ?? 4;
    const factory = { dtype: opts.dtype, device: opts.device };
    try {
      this.features = new Sequential();
      let c = inChannels;
      for (const out of channels) {
        this.features
          .append(new Conv1d(c, out, k, { padding: (k - 1) / 2, bias: false, ...factory }))
          .append(new BatchNorm1d(out, factory))
          .append(new ReLU())
          .append(new MaxPool1d(poolSize));
        c = out;
      }
      this.pool = new AdaptiveAvgPool1d(1);
      this.flatten = new Flatten();
      this.fc = new Linear(c, numClasses, factory);
    } catch (e) {
      // A layer too large for one tensor (`kernelSize: 1e9 + 1`): the layers made before it are
      // freed.
      this.dispose();
      throw modelError(fn, e);
    }
  }

  /** Signals `[N, inChannels, L]` to logits `[N, numClasses]`. */
  forward(x: Tensor): Tensor {
    return tidy(() =>
      this.fc.forward(this.flatten.forward(this.pool.forward(this.features.forward(x)))),
    );
  }
}
