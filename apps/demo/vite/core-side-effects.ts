import type { Plugin } from 'vite';

/**
 * `@stride/core` declares `"sideEffects": false`, yet its entry module installs the tensor
 * methods (`x.mul(y)`, `loss.backward()`) on `Tensor.prototype` when it runs. A production build
 * that trusts the flag drops that call, and the page fails with "x.mul is not a function". This
 * marks the entry (source or built) as having side effects, so the build keeps it.
 */
export function keepCoreEntry(): Plugin {
  const entry =
    /[\\/]packages[\\/]core[\\/](src[\\/]index\.ts|dist[\\/]index\.js)$|[\\/]@stride[\\/]core[\\/]dist[\\/]index\.js$/;
  return {
    name: 'stride-keep-core-entry',
    transform(code, id) {
      if (!entry.test(id.split('?')[0] ?? '')) return null;
      return { code, map: null, moduleSideEffects: true };
    },
  };
}
