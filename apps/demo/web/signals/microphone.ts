/**
 * A short recording from the microphone, where the browser allows it, brought to the detector's
 * sample rate. Nothing here is needed for the rest of the panel: without a microphone (or
 * without permission) the page says why and keeps the synthetic signal.
 */
import { fail } from '@stride/core';

/** Why recording cannot work in this browser, or null when it may (permission still asked). */
export function microphoneUnavailable(): string | null {
  if (typeof window === 'undefined') return 'there is no browser window';
  if (!window.isSecureContext) {
    return 'the page is not served over HTTPS (or from localhost), so the browser offers no microphone';
  }
  if (!navigator.mediaDevices?.getUserMedia) return 'this browser has no getUserMedia';
  if (typeof AudioContext === 'undefined') return 'this browser has no Web Audio API';
  return null;
}

/**
 * Resamples `input` from `fromRate` to `toRate` samples per second: a moving average over one
 * output period first (so that frequencies the lower rate cannot hold do not fold back as
 * noise), then linear interpolation at the output's instants.
 */
export function resample(input: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (!(fromRate > 0 && toRate > 0)) {
    fail('resample', `rates must be positive, got ${fromRate} and ${toRate}`);
  }
  if (fromRate === toRate) return input.slice();
  const ratio = fromRate / toRate;
  let smooth = input;
  const width = Math.floor(ratio);
  if (width > 1) {
    smooth = new Float32Array(input.length);
    // A running sum over the last `width` samples, centred by shifting half a width.
    const half = width >> 1;
    let sum = 0;
    const prefix = new Float64Array(input.length + 1);
    for (let i = 0; i < input.length; i++) {
      sum += input[i] as number;
      prefix[i + 1] = sum;
    }
    for (let i = 0; i < input.length; i++) {
      const a = Math.max(0, i - half);
      const b = Math.min(input.length, a + width);
      smooth[i] = ((prefix[b] as number) - (prefix[a] as number)) / (b - a);
    }
  }
  const length = Math.max(1, Math.floor(input.length / ratio));
  const out = new Float32Array(length);
  for (let j = 0; j < length; j++) {
    const at = j * ratio;
    const i = Math.floor(at);
    const f = at - i;
    const a = smooth[i] as number;
    const b = smooth[Math.min(i + 1, smooth.length - 1)] as number;
    out[j] = a + (b - a) * f;
  }
  return out;
}

/**
 * Records `seconds` of audio from the default microphone and returns it at `sampleRate`. The
 * microphone is released as soon as the recording is long enough, or when anything fails.
 */
export async function recordMicrophone(seconds: number, sampleRate: number): Promise<Float32Array> {
  const why = microphoneUnavailable();
  if (why) throw new Error(`cannot record: ${why}`);
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  const context = new AudioContext();
  try {
    const source = context.createMediaStreamSource(stream);
    // ScriptProcessorNode is deprecated but works everywhere without a separate worklet file,
    // and a two-second recording has no need for the audio thread.
    const processor = context.createScriptProcessor(4096, 1, 1);
    const wanted = Math.ceil(seconds * context.sampleRate);
    const chunks: Float32Array[] = [];
    let have = 0;
    await new Promise<void>((resolve) => {
      processor.onaudioprocess = (event) => {
        if (have >= wanted) return;
        const chunk = event.inputBuffer.getChannelData(0).slice();
        chunks.push(chunk);
        have += chunk.length;
        if (have >= wanted) resolve();
      };
      source.connect(processor);
      processor.connect(context.destination);
    });
    processor.disconnect();
    source.disconnect();
    const all = new Float32Array(have);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return resample(all.subarray(0, wanted), context.sampleRate, sampleRate);
  } finally {
    for (const track of stream.getTracks()) track.stop();
    await context.close();
  }
}
