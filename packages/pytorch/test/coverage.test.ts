/**
 * Every module class that `@stride/layers` exports is translated by `toPyTorch` or listed here as
 * unsupported with the reason, and the PyTorch equivalence cases (cases.ts) hold every translated
 * class: a layer added to `@stride/layers` fails here until it is covered.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import * as L from '@stride/layers';
import { describe, expect, it } from 'vitest';
import { LEAF_CLASSES } from '../src/leaf-layers.js';
import { MODEL_CLASSES } from '../src/model-forwards.js';
import { CONTAINER_CLASSES } from '../src/to-pytorch.js';
import { CASES } from './cases.js';

registerBackend(cpu());

/** Exported module classes `toPyTorch` does not translate, with the reason. None at present. */
const UNSUPPORTED: Record<string, string> = {};

const translated = new Set([...LEAF_CLASSES, ...CONTAINER_CLASSES, ...MODEL_CLASSES]);

const exported = Object.entries(L)
  .filter(([, v]) => typeof v === 'function' && v.prototype instanceof L.Module)
  .map(([name]) => name)
  .sort();

describe('coverage of @stride/layers', () => {
  it('finds the module classes @stride/layers exports', () => {
    expect(exported.length).toBeGreaterThanOrEqual(58);
    expect(exported).toContain('Conv2d');
    expect(exported).toContain('LeNet5');
  });

  it('translates every exported module class, or says why not', () => {
    const neither = exported.filter((name) => !translated.has(name) && !(name in UNSUPPORTED));
    expect(neither).toEqual([]);
    // Each name is an export's own typeName, so the tables name the classes they handle.
    for (const name of exported) {
      expect((L as unknown as Record<string, typeof L.Module>)[name]?.typeName).toBe(name);
    }
  });

  it('lists nothing as both translated and unsupported, and nothing that is not exported', () => {
    expect(Object.keys(UNSUPPORTED).filter((n) => translated.has(n))).toEqual([]);
    expect(
      [...translated, ...Object.keys(UNSUPPORTED)].filter((n) => !exported.includes(n)),
    ).toEqual([]);
  });

  it('runs every translated class in the PyTorch equivalence cases', () => {
    const seen = new Set<string>();
    for (const c of CASES) {
      const model = c.build();
      for (const [, m] of model.namedModules()) seen.add(m.typeName);
      model.dispose();
    }
    expect([...translated].filter((name) => !seen.has(name)).sort()).toEqual([]);
  });
});
