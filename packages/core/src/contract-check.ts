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
 * version core implements, and every required kernel is a function. Members may be inherited
 * (`Object.create(cpu())`) as well as own. Throws a `StrideError` for `fn` naming the backend
 * and every problem at once, so that one registration attempt shows all that needs fixing.
 */
export function checkBackendContract(fn: string, backend: Backend): void {
  const name = backend.name;
  const version = (backend as { contractVersion?: unknown }).contractVersion;
  if (version !== BACKEND_CONTRACT_VERSION) {
    const stated =
      version === undefined
        ? 'states no contractVersion'
        : `implements contract version ${String(version)}`;
    fail(
      fn,
      `backend '${name}' ${stated}, but this @stride/core implements contract version ` +
        `${BACKEND_CONTRACT_VERSION} (set contractVersion: ${BACKEND_CONTRACT_VERSION} once the ` +
        'backend implements it; see backend.ts of @stride/core)',
    );
  }
  const members = backend as unknown as Record<string, unknown>;
  const missing = REQUIRED_KERNELS.filter((k) => typeof members[k] !== 'function');
  if (missing.length > 0) {
    fail(
      fn,
      `backend '${name}' is missing required kernels: ${missing.join(', ')} ` +
        `(contract version ${BACKEND_CONTRACT_VERSION})`,
    );
  }
  const notFunctions = OPTIONAL_KERNELS.filter(
    (k) => members[k] !== undefined && typeof members[k] !== 'function',
  );
  if (notFunctions.length > 0) {
    fail(
      fn,
      `backend '${name}' has optional kernels that are not functions: ${notFunctions.join(', ')}`,
    );
  }
  if (!Array.isArray(backend.dtypes) || backend.dtypes.length === 0) {
    fail(fn, `backend '${name}' lists no dtypes (got ${String(backend.dtypes)})`);
  }
}
