import type { LeNet5 } from '@stride/layers';
import type { BackendStatus } from './backends.js';
import { type Inference, inspect } from './draw/inference.js';

export interface ActiveModel {
  model: LeNet5;
  /** Where the weights came from, in words. */
  source: string;
  testAccuracy: number | null;
}

/**
 * What the panels share: the backends, the model the drawing panel uses (the shipped checkpoint,
 * or one trained on the page) and the current drawing with the model's reading of it. Panels
 * listen for 'model' and 'inference' events instead of calling each other.
 */
export class DemoState extends EventTarget {
  image: Float32Array | null = null;
  inference: Inference | null = null;
  private readonly models: ActiveModel[] = [];
  private current: ActiveModel | null = null;

  constructor(readonly backends: BackendStatus) {
    super();
  }

  get active(): ActiveModel | null {
    return this.current;
  }

  get available(): readonly ActiveModel[] {
    return this.models;
  }

  /** Adds a model (or re-selects a known one) and makes it the one that reads drawings. */
  useModel(m: ActiveModel): void {
    if (!this.models.includes(m)) this.models.push(m);
    this.current = m;
    this.dispatchEvent(new Event('model'));
    this.rerun();
  }

  /** A new 28×28 drawing (null when the pad is blank). */
  setImage(image: Float32Array | null): void {
    this.image = image;
    this.rerun();
  }

  private rerun(): void {
    this.inference = this.current && this.image ? inspect(this.current.model, this.image) : null;
    this.dispatchEvent(new Event('inference'));
  }
}
