// Core depends on no backend; its tests borrow the CPU backend's source to run ops.

import { cpu } from '../../backend-cpu/src/index.js';
import { type Backend, registerBackend, setBackend } from '../src/index.js';

// Registered at import time so that tensors built while a test file loads have a backend.
registerBackend(cpu());

/** Makes the CPU backend active (another test file may have switched). */
export async function useCpu(): Promise<Backend> {
  return setBackend('cpu');
}
