import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  resetWarnings,
  StrideError,
  type StrideWarning,
  setWarningHandler,
  warnOnce,
} from '../src/index.js';

afterEach(() => {
  setWarningHandler(null);
  resetWarnings();
  vi.restoreAllMocks();
});

describe('warnOnce', () => {
  it('prints each key once through console.warn, prefixed with "Stride: "', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(warnOnce('test:a', 'first cause; the fix')).toBe(true);
    expect(warnOnce('test:a', 'first cause again')).toBe(false);
    expect(warnOnce('test:b', 'second cause')).toBe(true);
    expect(warn.mock.calls).toEqual([['Stride: first cause; the fix'], ['Stride: second cause']]);
  });

  it('sends warnings to the handler instead, and returns the handler it replaced', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const got: StrideWarning[] = [];
    const collect = (w: StrideWarning) => got.push(w);
    expect(setWarningHandler(collect)).toBe(null);
    warnOnce('test:c', 'collected');
    expect(setWarningHandler(null)).toBe(collect);
    warnOnce('test:d', 'printed');
    expect(got).toEqual([{ key: 'test:c', message: 'Stride: collected' }]);
    expect(warn.mock.calls).toEqual([['Stride: printed']]);
  });

  it('silences warnings with a handler that does nothing, and they stay given', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    setWarningHandler(() => {});
    expect(warnOnce('test:e', 'silenced')).toBe(true);
    setWarningHandler(null);
    expect(warnOnce('test:e', 'silenced')).toBe(false);
    expect(warn).not.toHaveBeenCalled();
  });

  it('gives a warning again after resetWarnings()', () => {
    const got: string[] = [];
    setWarningHandler((w) => got.push(w.key));
    warnOnce('test:f', 'once');
    warnOnce('test:f', 'once');
    resetWarnings();
    warnOnce('test:f', 'once');
    expect(got).toEqual(['test:f', 'test:f']);
  });

  it('lets a throwing handler turn warnings into errors', () => {
    setWarningHandler((w) => {
      throw new Error(w.message);
    });
    expect(() => warnOnce('test:g', 'fatal')).toThrow('Stride: fatal');
    expect(warnOnce('test:g', 'fatal')).toBe(false);
  });

  it('rejects bad arguments with a StrideError naming the function and argument', () => {
    expect(() => warnOnce('', 'x')).toThrow(StrideError);
    expect(() => warnOnce('', 'x')).toThrow('warnOnce: key must be a non-empty string, got ');
    expect(() => warnOnce('k', undefined as unknown as string)).toThrow(
      'warnOnce: message must be a non-empty string, got undefined',
    );
    expect(() => setWarningHandler('log' as unknown as null)).toThrow(
      'setWarningHandler: fn must be a function or null, got string',
    );
  });
});
