/**
 * AlexNet as in torchvision (`features`, `avgpool`, `classifier`, same layer indices, so state
 * dicts carry torchvision's names), adapted to any input size and class count. At 224×224 it is
 * torchvision's model exactly. Inputs smaller than 63 pixels cannot survive the 11×11 stride-4
 * stem and three 3×3 stride-2 max pools, so they get a 5×5 stride-1 stem instead (the rest is
 * unchanged); the adaptive pool's output is capped at the feature map's size, so small inputs
 * are not blown up to 6×6 copies before the classifier.
 */
// biome-ignore-all lint/complexity/noArguments: constructors pass `arguments` to noExtraArgs, which refuses what JavaScript callers give past the declared parameters
import { type Tensor, tidy } from '@stride/core';
import { ReLU } from '../activation.js';
import { AdaptiveAvgPool2d } from '../adaptive.js';
import {
  checkOptions,
  expand,
  factoryRules,
  fail,
  modelError,
  noExtraArgs,
  perAxis,
  positiveInt,
  probability,
  show,
} from '../check.js';
import { Conv2d } from '../conv.js';
import { Dropout } from '../dropout.js';
import { Flatten } from '../flatten.js';
import type { FactoryOptions } from '../init.js';
import { Linear } from '../linear.js';
import { Module } from '../module.js';
import { MaxPool2d } from '../pooling.js';
import { Sequential } from '../sequential.js';

/** Options of `AlexNet`. */
export interface AlexNetOptions extends FactoryOptions {
  /** Image channels (default 3). */
  inChannels?: number;
  /** Output classes (default 1000). */
  numClasses?: number;
  /** Input height and width, or one number for both (default 224). At least 15. */
  inputSize?: number | readonly [number, number];
  /** Width of the two hidden classifier layers (default 4096). */
  hidden?: number;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
}

/** Input sizes from which torchvision's stem still leaves a feature map. */
const LARGE_STEM_MIN = 63;
const SMALL_STEM_MIN = 15;

const convOut = (n: number, k: number, s: number, p: number): number =>
  Math.floor((n + 2 * p - k) / s) + 1;
const maxPoolOut = (n: number): number => convOut(n, 3, 2, 0);

/**
 * AlexNet as in torchvision (same layer names and indices, so state dicts carry torchvision's
 * names), for any input size of at least 15 and any class count. At 224×224 it is torchvision's
 * model; below 63 pixels the 11×11 stride-4 stem becomes a 5×5 stride-1 one.
 */
export class AlexNet extends Module {
  static override readonly typeName = 'AlexNet';

  /** The convolution, ReLU and max-pool stack (torchvision's `features`). */
  readonly features: Sequential;
  /** Adaptive average pooling to at most 6×6 (capped at the feature map's size). */
  readonly avgpool: AdaptiveAvgPool2d;
  /** Flattens the pooled features to `[N, 256·h·w]`. */
  readonly flatten: Flatten;
  /** Dropout, Linear and ReLU layers to the logits (torchvision's `classifier`). */
  readonly classifier: Sequential;
  /** The feature map's height and width before the adaptive pool. */
  readonly featureSize: readonly [number, number];
  /** The input height and width the model was built for. */
  readonly inputSize: readonly [number, number];

  constructor(options?: AlexNetOptions) {
    noExtraArgs('AlexNet', arguments, ['options']);
    super();
    const fn = 'AlexNet';
    const opts = checkOptions(fn, options, {
      inChannels: positiveInt,
      numClasses: positiveInt,
      inputSize: perAxis(2, 1),
      hidden: positiveInt,
      dropout: probability,
      ...factoryRules(),
    });
    const inChannels = opts.inChannels ?? 3;
    const numClasses = opts.numClasses ?? 1000;
    const hidden = opts.hidden ?? 4096;
    const p = opts.dropout ?? 0.5;
    const [h, w] = expand(opts.inputSize ?? 224, 2) as [number, number];
    if (Math.min(h, w) < SMALL_STEM_MIN) {
      fail(fn, `option 'inputSize' must be at least ${SMALL_STEM_MIN}, got ${show([h, w])}`);
    }
    this.inputSize = [h, w];
    const large = Math.min(h, w) >= LARGE_STEM_MIN;
    const factory = { dtype: opts.dtype, device: opts.device };
    try {
      const stem = large
        ? new Conv2d(inChannels, 64, 11, { stride: 4, padding: 2, ...factory })
        : new Conv2d(inChannels, 64, 5, { padding: 2, ...factory });
      this.features = new Sequential(
        stem,
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(64, 192, 5, { padding: 2, ...factory }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
        new Conv2d(192, 384, 3, { padding: 1, ...factory }),
        new ReLU(),
        new Conv2d(384, 256, 3, { padding: 1, ...factory }),
        new ReLU(),
        new Conv2d(256, 256, 3, { padding: 1, ...factory }),
        new ReLU(),
        new MaxPool2d(3, { stride: 2 }),
      );
      const size = (n: number): number => {
        const afterStem = large ? convOut(n, 11, 4, 2) : n;
        return maxPoolOut(maxPoolOut(maxPoolOut(afterStem)));
      };
      this.featureSize = [size(h), size(w)];
      const pooled = this.featureSize.map((s) => Math.min(6, s)) as [number, number];
      this.avgpool = new AdaptiveAvgPool2d(pooled);
      this.flatten = new Flatten();
      // Appended one by one, so that each layer made belongs to the model (see below).
      this.classifier = new Sequential();
      this.classifier
        .append(new Dropout(p))
        .append(new Linear(256 * pooled[0] * pooled[1], hidden, factory))
        .append(new ReLU())
        .append(new Dropout(p))
        .append(new Linear(hidden, hidden, factory))
        .append(new ReLU())
        .append(new Linear(hidden, numClasses, factory));
    } catch (e) {
      // A layer too large for one tensor (`hidden: 1e10`): the layers made before it are freed.
      this.dispose();
      throw modelError(fn, e);
    }
  }

  /** Images `[N, inChannels, H, W]` (the configured size) to logits `[N, numClasses]`. */
  forward(x: Tensor): Tensor {
    return tidy(() =>
      this.classifier.forward(this.flatten.forward(this.avgpool.forward(this.features.forward(x)))),
    );
  }
}
