/** Every fuzz case on the CPU backend (WebAssembly). */
import { cpu } from '@stride/backend-cpu';
import { registerBackend, setBackend } from '@stride/core';
import { fuzzSuite } from './suite.js';

registerBackend(cpu());

fuzzSuite('cpu', () => setBackend('cpu'));
