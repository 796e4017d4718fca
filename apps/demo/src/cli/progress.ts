import cliProgress from 'cli-progress';
import type { EpochStats } from './train-loop.js';

export interface StepStats {
  loss: number;
  accuracy: number;
  imagesPerSecond: number;
}

/** What the training loop reports to; the terminal bar and the plain log both implement it. */
export interface Progress {
  startEpoch(epoch: number, steps: number): void;
  update(step: number, stats: StepStats): void;
  endEpoch(stats: EpochStats): void;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** A live bar per epoch: epoch, step, loss, accuracy, images/s and ETA. */
export function progressBar(epochs: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format:
        'epoch {epoch}/{epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {ips} img/s | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let current = 0;
  return {
    startEpoch(epoch, steps) {
      current = epoch;
      bar.start(steps, 0, { epoch, epochs, loss: '-', acc: '-', ips: '-' });
    },
    update(step, s) {
      bar.update(step, {
        epoch: current,
        loss: s.loss.toFixed(4),
        acc: pct(s.accuracy),
        ips: Math.round(s.imagesPerSecond),
      });
    },
    endEpoch() {
      bar.stop();
    },
  };
}

/** One line per epoch, for logs and non-interactive runs. */
export function progressLines(epochs: number): Progress {
  return {
    startEpoch() {},
    update() {},
    endEpoch(s) {
      console.log(
        `epoch ${s.epoch}/${epochs}  loss ${s.loss.toFixed(4)}  train acc ${pct(s.trainAccuracy)}  ${Math.round(s.imagesPerSecond)} img/s`,
      );
    },
  };
}
