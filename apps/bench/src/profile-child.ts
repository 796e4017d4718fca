/**
 * One workload on Stride's CPU backend, called for a while under the parent's `--cpu-prof`:
 * `profile-child.ts <workload id> <seconds> <seed>`. Prints one JSON line: the calls made, their
 * mean time, the kernels' build and the window of the measured calls on the clock that V8's
 * profiles use (process.hrtime, in µs), so that the parent leaves out start-up and warm-up.
 */
import { generateInputs, type HostInput } from './inputs.js';
import { strideCpu } from './runners/stride.js';
import { WORKLOADS } from './workloads.js';

const [id, seconds = '3', seed = '1'] = process.argv.slice(2);
const w = WORKLOADS.find((x) => x.id === id);
if (!w) throw new Error(`no workload ${id}`);
const runner = await strideCpu();
const inputs = new Map<string, HostInput>(
  generateInputs(w, Number(seed)).map((input) => [input.name, input]),
);
const p = await runner.prepare(w, inputs);

async function callFor(ms: number): Promise<number> {
  const end = performance.now() + ms;
  let calls = 0;
  while (performance.now() < end) {
    await p.step();
    calls++;
  }
  await p.sync();
  return calls;
}

const micros = (): number => Number(process.hrtime.bigint() / 1000n);
// Warm-up: the engine's optimised code, the memory's growth and the heap's blocks settle first.
await callFor(1000);
const t0 = performance.now();
const start = micros();
const calls = await callFor(Number(seconds) * 1000);
const end = micros();
const ms = (performance.now() - t0) / calls;
await p.dispose();
console.log(JSON.stringify({ id, calls, ms, backend: runner.info.backend, window: [start, end] }));
process.exit(0);
