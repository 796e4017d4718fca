/** Every function export of @stride/core is fuzzed or listed in NOT_FUZZED with a reason. */
import * as core from '@stride/core';
import { describe, expect, it } from 'vitest';
import { NOT_FUZZED } from '../src/coverage.js';
import { SPEC_BY_OP } from '../src/specs.js';

describe('fuzz coverage of @stride/core', () => {
  const exported = Object.entries(core)
    .filter(([, v]) => typeof v === 'function')
    .map(([k]) => k);

  it('covers every exported function', () => {
    const missing = exported.filter((k) => !SPEC_BY_OP.has(k) && !(k in NOT_FUZZED));
    expect(missing, 'exports with neither a fuzz spec nor a reason in src/coverage.ts').toEqual([]);
  });

  it('fuzzes only functions that exist', () => {
    const core_ = [...SPEC_BY_OP.values()].filter((s) => s.lib === 'core').map((s) => s.op);
    expect(core_.filter((k) => !exported.includes(k))).toEqual([]);
  });
});
