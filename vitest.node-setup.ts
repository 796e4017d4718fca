import { setFlagsFromString } from 'node:v8';

// The Node test projects run the CPU backend as the training CLI and the benchmark do: with
// WebAssembly relaxed SIMD, which Node 20 validates only behind this flag (Node 22+ has it on).
// V8 flags are per process, so one test file setting it used to change the others' kernels
// depending on the order files ran in; and without it every file would print the backend's
// warning about the flag. Tests of the plain-SIMD path ask for it with `relaxedSimd: false`.
setFlagsFromString('--experimental-wasm-relaxed-simd');
