/**
 * A third of the fuzz cases on the WebGPU backend (Dawn; SwiftShader without a GPU, which
 * compiles each shader on one CPU thread, hence the share: the whole suite must stay within its
 * time on two cores; a fifth saved only 2 s, compiling the shaders is most of it).
 * FUZZ_WEBGPU_EVERY=1 runs them all. Errors may surface only when a result
 * is read, and the replay reads every result.
 */

import { webgpu } from '@stride/backend-webgpu';
import { registerBackend, setBackend } from '@stride/core';
import { create } from 'webgpu';
import { DAWN_TEST_TOGGLES } from '../../../dawn.shared.js';
import { fuzzSuite } from './suite.js';

registerBackend(webgpu({ gpu: create(DAWN_TEST_TOGGLES) }));

fuzzSuite('webgpu', () => setBackend('webgpu'), Number(process.env.FUZZ_WEBGPU_EVERY ?? 3));
