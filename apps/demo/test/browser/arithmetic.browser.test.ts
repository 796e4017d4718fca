/**
 * The arithmetic panel in Chromium, driven by keyboard: the shape it shows and the Stride and
 * PyTorch code it generates are what the panel's modules give in Node for the same settings (core's
 * shape, or core's error word for word); the scrubber steps through the sums, and each step's
 * partial sums and total are Node's, which are core's output; the flip toggle changes the numbers
 * to those of the flipped kernel; the channel grouping has one line per kernel; and the panel fits
 * a phone.
 */
import { cpu } from '@stride/backend-cpu';
import { registerBackend } from '@stride/core';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pytorchCode, strideCode } from '../../web/arithmetic/calls.js';
import { type ExampleOk, runExample } from '../../web/arithmetic/example.js';
import { channelLinks } from '../../web/arithmetic/grouping.js';
import { type ArithSettings, DEFAULT_SETTINGS } from '../../web/arithmetic/settings.js';
import { stepper } from '../../web/arithmetic/steps.js';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  // Reduced motion: the scrubber starts paused, so each step read is the one the test chose.
  ({ browser, page, errors } = await openDemo({ reducedMotion: 'reduce' }));
  await page.locator('#arithmetic').scrollIntoViewIfNeeded();
});

afterAll(async () => {
  await browser?.close();
});

/** What the page shows for the current settings, read back. */
async function shown() {
  return page.evaluate(() => {
    const text = (id: string) => document.getElementById(id)?.textContent ?? '';
    const error = document.getElementById('arith-error') as HTMLElement;
    return {
      output: text('arith-output'),
      shape: document.getElementById('arith-output')?.dataset.shape ?? '',
      stride: text('arith-stride-code'),
      torch: text('arith-torch-code'),
      error: error.hidden ? null : error.textContent,
    };
  });
}

/** The page shows what the modules give in Node for `s`. */
async function expectPanel(s: ArithSettings): Promise<void> {
  const ex = runExample(s);
  const what = JSON.stringify(s);
  const got = await shown();
  expect(got.shape, what).toBe(ex.ok ? ex.shape.join(',') : '');
  expect(got.output, what).toBe(ex.ok ? ex.shape.slice(2).join(' × ') : 'no output');
  expect(got.error, what).toBe(ex.ok ? null : ex.message);
  expect(got.stride, what).toBe(strideCode(s, ex));
  expect(got.torch, what).toBe(pytorchCode(s, ex));
}

/** Presses `key` `times` times on the element `selector`. */
async function press(selector: string, key: string, times = 1): Promise<void> {
  await page.focus(selector);
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

/** The scrubber's current step as the page shows it. */
function equation() {
  return page.evaluate(() => {
    const d = (document.getElementById('arith-equation') as HTMLElement).dataset;
    return {
      step: Number(d.step),
      channel: Number(d.channel),
      partials: (d.partials ?? '').split(',').map(Number),
      total: Number(d.total),
      core: Number(d.core),
    };
  });
}

/** The step `index` of settings `s`, computed in Node. */
function nodeStep(s: ArithSettings, index: number) {
  const ex = runExample(s) as ExampleOk;
  const st = stepper(s, ex);
  const step = st.at(index);
  return {
    step: index,
    channel: step.outChannel,
    partials: step.partials.map((p) => p.sum),
    total: step.total,
    core: ex.y?.[index] as number,
    count: st.count,
  };
}

describe('the arithmetic panel', () => {
  const s: ArithSettings = { ...DEFAULT_SETTINGS };

  it('shows core’s output shape and the generated Stride and PyTorch code', async () => {
    await expectPanel(s);
    expect((await shown()).output).toBe('5 × 5');
    expect(await page.getAttribute('#arith-play', 'aria-pressed')).toBe('false');
    expect(await page.getAttribute('#arith-grouping', 'data-links')).toBe('4');
    await page.locator('#arithmetic').screenshot({ path: screenshotPath('20-arithmetic') });
  });

  it('follows settings changed from the keyboard, errors included', async () => {
    // Tab moves from the operation to the dimensions to the input size.
    await page.focus('#arith-mode');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('arith-dims');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('arith-input');

    await press('#arith-mode', 'ArrowDown');
    s.mode = 'transposed';
    await expectPanel(s);
    await press('#arith-stride', 'ArrowUp');
    s.stride = 2;
    await press('#arith-padding', 'ArrowUp');
    s.padding = 1;
    await press('#arith-output-padding', 'ArrowUp');
    s.outputPadding = 1;
    await expectPanel(s);
    expect((await shown()).output).toBe('14 × 14');
    // Output padding 2 is not smaller than the stride (2) or the dilation (1): core refuses.
    await press('#arith-output-padding', 'ArrowUp');
    s.outputPadding = 2;
    await expectPanel(s);
    expect((await shown()).error).toBe(
      'convTranspose2d: outputPadding [2,2] must be smaller than the stride [2,2] or the dilation [1,1] on each axis',
    );
    expect(await page.isDisabled('#arith-scrub')).toBe(true);
    expect(await page.isVisible('#arith-figures')).toBe(false);
    expect(await page.textContent('#arith-walk-none')).toBe(
      'Nothing to step through: core refuses these settings (the message above says why).',
    );
    await press('#arith-output-padding', 'ArrowDown');
    s.outputPadding = 1;
    await expectPanel(s);
    expect(await page.isDisabled('#arith-scrub')).toBe(false);
    expect(await page.isVisible('#arith-figures')).toBe(true);
    expect(await page.isVisible('#arith-walk-none')).toBe(false);

    // 3-d, then 1-d.
    await press('#arith-dims', 'ArrowDown');
    s.dims = 3;
    await expectPanel(s);
    expect((await shown()).output).toBe('14 × 14 × 14');
    await page.locator('#arithmetic').screenshot({ path: screenshotPath('20-arithmetic-3d') });
    await press('#arith-dims', 'ArrowUp', 2);
    s.dims = 1;
    await expectPanel(s);

    // Groups 2 of 2 channels: depthwise, one kernel per channel.
    await press('#arith-groups', 'ArrowUp');
    s.groups = 2;
    await expectPanel(s);
    expect(await page.getAttribute('#arith-grouping', 'data-links')).toBe(
      String(channelLinks(s)?.length),
    );
    expect(await page.locator('#arith-grouping line').count()).toBe(2);
    expect(await page.textContent('#arith-grouping-caption')).toMatch(/^Depthwise/);
    // 3 input channels: groups 2 does not divide them, and core says so.
    await press('#arith-in-channels', 'ArrowUp');
    s.inChannels = 3;
    await expectPanel(s);
    expect((await shown()).error).toMatch(/^convTranspose1d: input has 3 channels/);
    // "Make it depthwise" from the keyboard: 3 groups of 3 in, 3 out.
    await press('#arith-depthwise', 'Enter');
    Object.assign(s, { outChannels: 3, groups: 3 });
    await expectPanel(s);
    expect(await page.inputValue('#arith-groups')).toBe('3');
    expect(await page.locator('#arith-grouping line').count()).toBe(3);
  });

  it('steps through the sums by keyboard, each step adding up to core’s value', async () => {
    // Back to a 2-d transposed convolution with 2 channels in, 4 out, 2 groups.
    for (const [id, v] of [
      ['#arith-in-channels', 2],
      ['#arith-out-channels', 4],
      ['#arith-groups', 2],
    ] as const)
      await page.fill(id, String(v));
    await page.selectOption('#arith-dims', '2');
    Object.assign(s, { dims: 2, inChannels: 2, outChannels: 4, groups: 2 });
    await expectPanel(s);
    const count = nodeStep(s, 0).count;
    expect(count).toBe(4 * 14 * 14);
    expect(await page.getAttribute('#arith-scrub', 'max')).toBe(String(count - 1));

    await press('#arith-scrub', 'End');
    const { count: _, ...last } = nodeStep(s, count - 1);
    expect(await equation()).toEqual(last);
    await press('#arith-scrub', 'Home');
    await press('#arith-scrub', 'ArrowRight', 30);
    const { count: __, ...at30 } = nodeStep(s, 30);
    expect(await equation()).toEqual(at30);
    expect(at30.total).toBe(at30.core);
    expect(await page.textContent('#arith-step-text')).toBe(`31 of ${count}`);
    // The buttons, by keyboard.
    await press('#arith-next', 'Enter');
    expect((await equation()).step).toBe(31);
    await press('#arith-prev', ' ', 2);
    expect((await equation()).step).toBe(29);
    const { count: ___, ...at29 } = nodeStep(s, 29);
    expect(await equation()).toEqual(at29);
    // The output grid holds core's values for this output channel.
    const ex = runExample(s) as ExampleOk;
    const perChannel = 14 * 14;
    expect(await page.getAttribute('#arith-grid-output', 'data-values')).toBe(
      Array.from((ex.y as Float32Array).subarray(0, perChannel)).join(','),
    );
    // Play moves on by itself; pressing it again stops.
    await press('#arith-play', 'Enter');
    expect(await page.getAttribute('#arith-play', 'aria-pressed')).toBe('true');
    await expect.poll(async () => (await equation()).step, { timeout: 10_000 }).toBeGreaterThan(29);
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#arith-play', 'aria-pressed')).toBe('false');
    const stopped = (await equation()).step;
    const { count: ____, ...there } = nodeStep(s, stopped);
    expect(await equation()).toEqual(there);
  });

  it('flips the kernel: the numbers become the flipped kernel’s', async () => {
    // A step whose value the flip changes, found in Node.
    const plain = stepper(s, runExample(s) as ExampleOk);
    const flipped = { ...s, flip: true };
    const other = stepper(flipped, runExample(flipped) as ExampleOk);
    let step = 0;
    while (step < plain.count && plain.at(step).total === other.at(step).total) step++;
    expect(step).toBeLessThan(plain.count);
    await press('#arith-scrub', 'Home');
    await press('#arith-scrub', 'ArrowRight', step);
    const { count: _, ...before } = nodeStep(s, step);
    expect(await equation()).toEqual(before);
    const kernelBefore = await page.getAttribute('#arith-grid-kernel', 'data-values');

    await press('#arith-flip', ' ');
    expect(await page.isChecked('#arith-flip')).toBe(true);
    Object.assign(s, { flip: true });
    // Same step, other numbers: the flipped kernel's.
    const { count: __, ...after } = nodeStep(s, step);
    expect(await equation()).toEqual(after);
    expect(after.total).not.toBe(before.total);
    expect(await page.getAttribute('#arith-grid-kernel', 'data-values')).not.toBe(kernelBefore);
    await expectPanel(s);
    expect((await shown()).stride).toContain('flip(w, [2, 3])');
    expect((await shown()).torch).toContain('torch.flip(w, [2, 3])');
    await page.locator('#arithmetic').screenshot({ path: screenshotPath('20-arithmetic-flipped') });
  });

  it('shows no result while a field is out of range, and says the range next to it', async () => {
    const problem = () =>
      page.evaluate(() => {
        const message = document.getElementById('arith-kernel-error') as HTMLElement;
        return {
          message: message.hidden ? null : message.textContent,
          invalid: document.getElementById('arith-kernel')?.getAttribute('aria-invalid') ?? null,
          formula: document.getElementById('arith-formula')?.textContent ?? '',
          check: document.getElementById('arith-check')?.textContent ?? '',
          stale: document.getElementById('arith-result')?.classList.contains('arith-stale'),
        };
      });
    await page.fill('#arith-kernel', '13');
    expect(await problem()).toEqual({
      message: 'Kernel size: 1–9 for 2-d',
      invalid: 'true',
      formula: '',
      check: 'No result until every field is in range (Kernel size: 1–9 for 2-d).',
      stale: true,
    });
    // No size, code or walk of other settings than the fields show.
    expect(await shown()).toEqual({ output: '—', shape: '', stride: '', torch: '', error: null });
    expect(await page.isDisabled('#arith-scrub')).toBe(true);
    expect(await page.isVisible('#arith-figures')).toBe(false);
    expect(await page.isDisabled('#arith-copy-stride')).toBe(true);
    // The range follows the dimensions; 13 is out of it in 3-d as well.
    await page.selectOption('#arith-dims', '3');
    expect((await problem()).message).toBe('Kernel size: 1–5 for 3-d');
    expect((await shown()).shape).toBe('');
    await page.selectOption('#arith-dims', '2');
    // Back in range from the keyboard: the result is the fields' again.
    await page.fill('#arith-kernel', '');
    await page.focus('#arith-kernel');
    await page.keyboard.type('3');
    expect(await problem()).toMatchObject({ message: null, invalid: null, stale: false });
    await expectPanel(s);
    expect(await page.isDisabled('#arith-scrub')).toBe(false);
  });

  it('fits a phone', async () => {
    await expectFitsPhone(page, '#arithmetic', [
      '#arith-mode',
      '#arith-groups',
      '#arith-flip',
      '#arith-stride-code',
      '#arith-torch-code',
      '#arith-scrub',
      '#arith-next',
      '#arith-grid-input',
      '#arith-grid-output',
      '#arith-grouping',
      '#arith-equation',
      '#arith-lenet-title',
      // The last column, "jump", is on screen, not scrolled out of it.
      '#arith-lenet th:nth-child(4)',
      '#arith-lenet tbody tr:last-child td:nth-child(4)',
    ]);
    expect(
      await page.evaluate(() => {
        const wrap = document.querySelector('.arith-table-wrap') as HTMLElement;
        return wrap.scrollWidth <= wrap.clientWidth;
      }),
    ).toBe(true);
    // The flip checkbox is big enough to tap: 24 px or more each way.
    const flip = await page.locator('#arith-flip').boundingBox();
    expect(Math.min(flip?.width ?? 0, flip?.height ?? 0)).toBeGreaterThanOrEqual(24);
    await page.locator('#arithmetic').screenshot({ path: screenshotPath('21-arithmetic-phone') });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
