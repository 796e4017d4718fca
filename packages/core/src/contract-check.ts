import {
  BACKEND_CONTRACT_VERSION,
  type Backend,
  OPTIONAL_KERNELS,
  REQUIRED_KERNELS,
} from './backend.js';
import { fail } from './errors.js';

/**
 * The run-time half of the backend contract, for plugins the type checker never saw (plain
 * JavaScript, or built against another version of core): the backend states the contract
 * version core implements, every required kernel is a function, and index values can be checked
 * (`readSync` or `checkIndices`). Members may be inherited
 * (`Object.create(cpu())`) as well as own. Throws one `StrideError` for `fn` naming the backend
 * and every problem found, so that one registration attempt shows all that needs fixing.
 */
export function checkBackendContract(fn: string, backend: Backend): void {
  const problems: string[] = [];
  const version = (backend as { contractVersion?: unknown }).contractVersion;
  if (version !== BACKEND_CONTRACT_VERSION) problems.push(versionProblem(version));
  const members = backend as unknown as Record<string, unknown>;
  const missing = REQUIRED_KERNELS.filter((k) => typeof members[k] !== 'function');
  if (missing.length > 0) {
    problems.push(
      `is missing required kernels: ${missing.join(', ')} (contract version ${BACKEND_CONTRACT_VERSION})`,
    );
  }
  const notFunctions = OPTIONAL_KERNELS.filter(
    (k) => members[k] !== undefined && typeof members[k] !== 'function',
  );
  if (notFunctions.length > 0) {
    problems.push(`has optional kernels that are not functions: ${notFunctions.join(', ')}`);
  }
  // Core uses the fused cross-entropy only as a pair: one without the other would sit unused.
  if ((members.crossEntropy === undefined) !== (members.crossEntropyBackward === undefined)) {
    const [has, lacks] =
      members.crossEntropy === undefined
        ? ['crossEntropyBackward', 'crossEntropy']
        : ['crossEntropy', 'crossEntropyBackward'];
    problems.push(`has ${has} without ${lacks} (core calls the two as a pair, or neither)`);
  }
  if (typeof members.readSync !== 'function' && typeof members.checkIndices !== 'function') {
    // Index values out of range would otherwise reach gather and scatterAdd unchecked.
    problems.push(
      'has neither readSync nor checkIndices, so core cannot check the index values of gather, ' +
        'scatterAdd, oneHot and the class losses (implement checkIndices; see backend.ts of @stride/core)',
    );
  }
  if (!Array.isArray(backend.dtypes) || backend.dtypes.length === 0) {
    problems.push(`lists no dtypes (got ${String(backend.dtypes)})`);
  }
  const limit = backend.maxStorageBytes;
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    problems.push(`states maxStorageBytes ${String(limit)}, which must be a positive integer`);
  }
  if (problems.length > 0) fail(fn, `backend '${backend.name}' ${problems.join('; it ')}`);
}

/** What is wrong with a stated contract version, and what to do about it. */
function versionProblem(version: unknown): string {
  const core = BACKEND_CONTRACT_VERSION;
  if (version === undefined) {
    return (
      `states no contractVersion, but this @stride/core implements contract version ${core} ` +
      `(set contractVersion: ${core} once the backend implements it; see backend.ts of @stride/core)`
    );
  }
  if (typeof version !== 'number') {
    return `states contractVersion ${JSON.stringify(version)} (a ${typeof version}), which must be the number ${core}`;
  }
  if (version > core) {
    return (
      `implements contract version ${version}, newer than this @stride/core's ${core}: ` +
      'upgrade @stride/core to a release that implements it'
    );
  }
  return (
    `implements contract version ${version}, but this @stride/core implements contract version ` +
    `${core} (set contractVersion: ${core} once the backend implements it; see backend.ts of @stride/core)`
  );
}
