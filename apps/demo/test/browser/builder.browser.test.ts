/**
 * The network builder in Chromium, checked by value: the table the page shows (read back from
 * each row's numbers and text) equals `summary()` in Node of the same network written by hand,
 * after edits made by keyboard alone (dilation, a grouped convolution with a per-axis kernel and
 * padding, a move, a removal); impossible shapes show Stride's error at the layer that causes
 * them; the network trains on MNIST on the CPU backend and Stop stops it; the three downloads
 * have their names and the trained weights (the safetensors file in a hand-written model and the
 * ONNX file imported with @stride/onnx give the same outputs); and it all fits a phone.
 */
import { readFile } from 'node:fs/promises';
import { cpu } from '@stride/backend-cpu';
import {
  decodeSafetensors,
  noGrad,
  registerBackend,
  setBackend,
  type Tensor,
  tensor,
  tidy,
} from '@stride/core';
import {
  Conv2d,
  Flatten,
  LeNet5,
  Linear,
  MaxPool2d,
  type Module,
  ReLU,
  Sequential,
  summary,
} from '@stride/layers';
import { importOnnx } from '@stride/onnx';
import type { Browser, Download, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFitsPhone, openDemo, screenshotPath } from './chromium.js';

let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  registerBackend(cpu({ threads: 1, relaxedSimd: false }));
  await setBackend('cpu');
  ({ browser, page, errors } = await openDemo({ acceptDownloads: true }));
  await page.locator('#builder').scrollIntoViewIfNeeded();
});

afterAll(async () => {
  await browser?.close();
});

interface ShownRow {
  status: string;
  type: string;
  outputShape: string;
  params: string;
  rf: string;
  jump: string;
  texts: string[];
}

/** The table as the page shows it: each row's data attributes and the text of its number cells. */
function shownRows(): Promise<ShownRow[]> {
  return page.$$eval('#builder-table tbody tr.b-row', (trs) =>
    (trs as HTMLElement[]).map((tr) => ({
      status: tr.dataset.status ?? '',
      type: tr.dataset.type ?? '',
      outputShape: tr.dataset.outputShape ?? '',
      params: tr.dataset.params ?? '',
      rf: tr.dataset.rf ?? '',
      jump: tr.dataset.jump ?? '',
      texts: [...tr.querySelectorAll(':scope > td:not(.b-layer):not(.b-index)')].map(
        (td) => td.textContent ?? '',
      ),
    })),
  );
}

/** The page's table equals `summary(model)` row by row, numbers and text, and in its totals. */
async function expectTableIsSummaryOf(model: Module): Promise<void> {
  const want = summary(model, [1, 1, 28, 28]);
  model.dispose();
  const rows = await shownRows();
  expect(rows).toHaveLength(want.rows.length);
  for (const [i, w] of want.rows.entries()) {
    const r = rows[i] as ShownRow;
    const at = `row ${i + 1}`;
    expect(r.status, at).toBe('ok');
    expect(r.type, at).toBe(w.type);
    expect(r.outputShape, at).toBe(w.outputShape.join(','));
    expect(Number(r.params), at).toBe(w.params);
    expect(r.rf, at).toBe(w.receptiveField.join(','));
    expect(r.jump, at).toBe(w.jump.join(','));
    expect(r.texts, at).toEqual([
      `[${w.outputShape.join(', ')}]`,
      w.params.toLocaleString('en'),
      w.receptiveField.join('×'),
    ]);
  }
  const table = page.locator('#builder-table');
  expect(Number(await table.getAttribute('data-total-params'))).toBe(want.totalParams);
  expect(await table.getAttribute('data-output-shape')).toBe(want.outputShape.join(','));
  expect(await table.getAttribute('data-rf')).toBe(want.receptiveField.join(','));
  expect(await page.textContent('#builder-summary')).toBe(
    `${want.totalParams.toLocaleString('en')} parameters; output [${want.outputShape.join(', ')}]; receptive field ${want.receptiveField.join('×')}.`,
  );
  // Building and summarising the network left no tensor behind in the page.
  expect(await page.getAttribute('.builder-table-wrap', 'data-leaked')).toBe('0');
}

const field = (layer: number, key: string) =>
  `#builder-table tr[data-index="${layer}"] input[data-field="${key}"]`;

/** Replaces a field's text from the keyboard, as a user would. */
async function typeInto(selector: string, text: string): Promise<void> {
  await page.focus(selector);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

/** The network the keyboard edits below arrive at. */
function editedNetwork(): Module {
  return new Sequential(
    new Conv2d(1, 8, 3, { stride: 2, padding: 1, dilation: 2 }),
    new MaxPool2d(2),
    new ReLU(),
    new Conv2d(8, 8, [3, 5], { padding: [1, 2], groups: 4 }),
    new Flatten(),
    new Linear(288, 10),
  );
}

describe('the network builder', () => {
  it('starts from LeNet-5, its table equal to summary() of Stride’s LeNet5', async () => {
    expect(await page.inputValue('#builder-preset')).toBe('lenet5');
    expect(await page.textContent('#builder-preset-note')).toMatch(/as Stride’s LeNet5\.$/);
    await expectTableIsSummaryOf(new LeNet5());
    expect(await page.textContent('#builder-totals')).toBe('Whole network: 12 layers');
    expect(await page.getAttribute('#builder-weights', 'data-weights')).toBe('untrained');
  });

  it('is edited by keyboard, and the table follows summary() through every edit', async () => {
    // Load the tiny preset: pick it, Tab to Load, Enter.
    await page.focus('#builder-preset');
    await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#builder-preset')).toBe('tiny');
    expect(await page.textContent('#builder-preset-note')).toMatch(/^One strided convolution/);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('builder-load');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#builder-table tr.b-row').count()).toBe(5);

    // Dilation 2 on the first convolution (arrow up on its field): 13×13, then 6×6 after the
    // pool, so the linear layer now receives 8·6·6 = 288 features, not 392.
    await page.focus(field(0, 'dilation'));
    await page.keyboard.press('ArrowUp');
    expect(await page.inputValue(field(0, 'dilation'))).toBe('2');
    const linear = '#builder-table tr[data-index="4"]';
    await expect.poll(() => page.getAttribute(linear, 'data-status')).toBe('error');
    expect(await page.textContent(`${linear} .b-error`)).toBe(
      'linear: input [1,288] has 288 features but weight [10,392] expects 392',
    );
    expect(await page.getAttribute(field(4, 'inFeatures'), 'aria-invalid')).toBe('true');
    expect(await page.getAttribute(linear, 'data-error-field')).toBe('inFeatures');
    // The fix the page offers, pressed from the keyboard.
    const fix = `${linear} .b-fix`;
    expect(await page.textContent(fix)).toBe('Set in features to 288');
    await page.focus(fix);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getAttribute(linear, 'data-status')).toBe('ok');
    expect(await page.inputValue(field(4, 'inFeatures'))).toBe('288');
    expect(await page.getAttribute(field(4, 'inFeatures'), 'aria-invalid')).toBeNull();

    // A convolution goes before the Flatten by default; focus lands in its first field.
    await page.focus('#builder-add-kind');
    expect(await page.inputValue('#builder-add-kind')).toBe('conv');
    expect(await page.inputValue('#builder-add-at')).toBe('3');
    await page.focus('#builder-add');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#builder-table tr.b-row').count()).toBe(6);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.field)).toBe(
      'outChannels',
    );
    expect(await page.getAttribute('#builder-table tr[data-index="3"]', 'data-type')).toBe(
      'Conv2d',
    );

    // Groups that do not divide the channels, then ones that do; a per-axis kernel and padding.
    await typeInto(field(3, 'groups'), '3');
    const conv = '#builder-table tr[data-index="3"]';
    await expect.poll(() => page.getAttribute(conv, 'data-status')).toBe('error');
    expect(await page.textContent(`${conv} .b-error`)).toBe(
      'Conv2d: groups 3 must divide inChannels 8 and outChannels 8',
    );
    expect(await page.getAttribute(field(3, 'groups'), 'aria-invalid')).toBe('true');
    await typeInto(field(3, 'groups'), '4');
    await typeInto(field(3, 'kernel'), '3,5');
    await typeInto(field(3, 'padding'), '1,2');
    await expect.poll(() => page.getAttribute(conv, 'data-output-shape')).toBe('1,8,6,6');

    // A batch norm added and removed again, by keyboard.
    await page.focus('#builder-add-kind');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.inputValue('#builder-add-kind')).toBe('batchnorm');
    expect(await page.inputValue('#builder-add-at')).toBe('6');
    await page.focus('#builder-add');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#builder-table tr.b-row').count()).toBe(7);
    expect(await page.getAttribute('#builder-table tr[data-index="6"]', 'data-type')).toBe(
      'BatchNorm1d',
    );
    await page.focus('#builder-table tr[data-index="6"] .b-remove');
    expect(
      await page.getAttribute('#builder-table tr[data-index="6"] .b-remove', 'aria-label'),
    ).toBe('Remove layer 7 (BatchNorm1d)');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#builder-table tr.b-row').count()).toBe(6);

    // ReLU moved below the pool: the button keeps focus, and the rows follow.
    const down = '#builder-table tr[data-index="1"] .b-down';
    expect(await page.getAttribute(down, 'aria-label')).toBe('Move layer 2 (ReLU) down');
    await page.focus(down);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getAttribute('#builder-table tr[data-index="2"]', 'data-type'))
      .toBe('ReLU');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Move layer 3 (ReLU) down',
    );

    await expectTableIsSummaryOf(editedNetwork());
  });

  it('shows Stride’s error at the layer an impossible shape comes from', async () => {
    // Kernel 31 with dilation 2 spans 61 pixels of a 30-pixel padded input.
    await typeInto(field(0, 'kernel'), '31');
    const first = '#builder-table tr[data-index="0"]';
    await expect.poll(() => page.getAttribute(first, 'data-status')).toBe('error');
    const message = await page.textContent(`${first} .b-error`);
    expect(message).toBe(
      'conv2d: kernel [31,31] (dilated to [61,61]) is larger than the padded input [30,30] (input [1,1,28,28], weight [8,1,31,31], padding before [1,1], after [1,1])',
    );
    expect(await page.getAttribute(field(0, 'kernel'), 'aria-invalid')).toBe('true');
    expect(await page.getAttribute(field(0, 'kernel'), 'aria-describedby')).toBe(
      await page.getAttribute(`${first} .b-error`, 'id'),
    );
    expect(await page.textContent('#builder-summary')).toBe(`Layer 1 does not work: ${message}`);
    // No numbers anywhere rather than wrong ones, and nothing to train or download.
    const rows = await shownRows();
    expect(rows.map((r) => r.status)).toEqual(['error', ...Array(5).fill('blocked')]);
    for (const r of rows) expect(r.texts).toEqual(['–', '–', '–']);
    expect(await page.textContent('#builder-totals')).toBe('Whole network: fix layer 1 first');
    expect(await page.isDisabled('#builder-train')).toBe(true);
    expect(await page.isDisabled('#builder-download-onnx')).toBe(true);
    // The list stays editable: another field of the same layer, then stride 0.
    await typeInto(field(0, 'kernel'), '3');
    await typeInto(field(0, 'stride'), '0');
    await expect
      .poll(() => page.textContent(`${first} .b-error`))
      .toBe("Conv2d: option 'stride' must be an integer ≥ 1 or an array of 2 such integers, got 0");
    expect(await page.getAttribute(field(0, 'stride'), 'aria-invalid')).toBe('true');
    expect(await page.getAttribute(field(0, 'kernel'), 'aria-invalid')).toBeNull();
    await typeInto(field(0, 'stride'), '2');
    await expect.poll(() => page.getAttribute(first, 'data-status')).toBe('ok');
    expect(await page.isDisabled('#builder-train')).toBe(false);
    await expectTableIsSummaryOf(editedNetwork());
  });

  it('trains on MNIST on the CPU backend, stops when asked, and scores the test images', async () => {
    expect(await page.inputValue('#builder-backend')).toBe('cpu');
    const stats = page.locator('#builder-stats');
    // A long run, stopped from the keyboard: focus moves from Train to Stop.
    await typeInto('#builder-steps', '20000');
    await page.focus('#builder-train');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => stats.getAttribute('data-steps'), { timeout: 60_000 })
      .toMatch(/^([3-9]|\d\d+)$/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('builder-stop');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => stats.getAttribute('data-test-accuracy'), { timeout: 60_000 })
      .not.toBeNull();
    const stoppedAt = Number(await stats.getAttribute('data-steps'));
    expect(stoppedAt).toBeGreaterThanOrEqual(3);
    expect(stoppedAt).toBeLessThan(20000);

    // Then a short run to the end.
    await typeInto('#builder-steps', '12');
    await page.focus('#builder-train');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.textContent('#builder-train-status'), { timeout: 60_000 })
      .toMatch(/^Done: 12 steps, \d+\.\d% on 500 test images\.$/);
    expect(await stats.getAttribute('data-steps')).toBe('12');
    expect(await stats.getAttribute('data-backend')).toBe('cpu');
    expect(await page.getAttribute('#builder-progress', 'value')).toBe('12');
    expect(await page.getAttribute('#builder-progress', 'max')).toBe('12');
    expect(await page.textContent('#builder-step')).toBe('12 / 12');
    // A fresh 10-way classifier starts near ln 10 ≈ 2.3; the scores are finite fractions.
    const firstLoss = Number(await stats.getAttribute('data-first-loss'));
    expect(firstLoss).toBeGreaterThan(1.5);
    expect(firstLoss).toBeLessThan(3.5);
    expect(Number.isFinite(Number(await stats.getAttribute('data-last-loss')))).toBe(true);
    const accuracy = Number(await stats.getAttribute('data-test-accuracy'));
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(await page.getAttribute('#builder-weights', 'data-weights')).toBe('trained');
  }, 120_000);

  it('downloads the trained network as safetensors, ONNX and PyTorch, with their names', async () => {
    const take = async (id: string): Promise<Download> => {
      await page.focus(id);
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: 60_000 }),
        page.keyboard.press('Enter'),
      ]);
      return download;
    };
    const bytesOf = async (d: Download) => readFile((await d.path()) as string);

    const weights = await take('#builder-download-safetensors');
    expect(weights.suggestedFilename()).toBe('my-network.safetensors');
    const { tensors, metadata } = decodeSafetensors(await bytesOf(weights), { device: 'cpu' });
    expect(metadata.trained).toBe('12 steps');
    expect(JSON.parse(metadata.architecture as string)).toEqual(
      JSON.parse((await page.getAttribute('#builder', 'data-spec')) as string),
    );
    // The weights load strictly into the same network written by hand.
    const model = editedNetwork();
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(model.stateDict()).sort());
    model.loadStateDict(tensors);
    model.eval();

    const onnx = await take('#builder-download-onnx');
    expect(onnx.suggestedFilename()).toBe('my-network.onnx');
    const imported = importOnnx(await bytesOf(onnx), { device: 'cpu' });
    const x = tensor(
      Float32Array.from({ length: 3 * 784 }, (_, i) => ((i * 7919) % 1000) / 1000),
      { shape: [3, 1, 28, 28], device: 'cpu' },
    );
    const run = async (m: Module) => {
      const y: Tensor = noGrad(() => tidy(() => m.forward(x)));
      const data = Array.from(await y.data());
      y.dispose();
      return data;
    };
    const want = await run(model);
    const have = await run(imported);
    expect(have).toHaveLength(30);
    for (let i = 0; i < 30; i++) expect(have[i]).toBeCloseTo(want[i] as number, 5);

    const py = await take('#builder-download-pytorch');
    expect(py.suggestedFilename()).toBe('my_network.py');
    const source = (await bytesOf(py)).toString('utf8');
    expect(source).toContain('class MyNetwork(nn.Sequential):');
    expect(source).toMatch(/nn\.Conv2d\(8, 8, kernel_size=\(3, 5\), padding=\(1, 2\), groups=4\)/);
    for (const t of [x, ...Object.values(tensors)]) t.dispose();
    model.dispose();
    imported.dispose();
    await page.locator('#builder').screenshot({ path: screenshotPath('14-builder') });
  });

  it('fits a phone-sized screen, with every control on it', async () => {
    await expectFitsPhone(page, '#builder', [
      '#builder-table',
      field(3, 'kernel'),
      '#builder-table tr[data-index="5"] .b-remove',
      '#builder-add',
      '#builder-train',
      '#builder-download-pytorch',
      '#builder-python-hint code:last-of-type',
    ]);
    // The row's buttons stay big enough to tap.
    const remove = await page.locator('#builder-table tr[data-index="5"] .b-remove').boundingBox();
    expect(remove?.width ?? 0).toBeGreaterThanOrEqual(32);
    // So do the bias checkboxes: 24 px or more each way.
    const boxes = await page.locator('#builder-table input[type="checkbox"]').all();
    expect(boxes.length).toBeGreaterThan(0);
    for (const box of boxes) {
      const size = await box.boundingBox();
      expect(Math.min(size?.width ?? 0, size?.height ?? 0)).toBeGreaterThanOrEqual(24);
    }
    await page.locator('#builder').screenshot({ path: screenshotPath('15-builder-phone') });
  });

  it('logged no errors', () => {
    expect(errors).toEqual([]);
  });
});
