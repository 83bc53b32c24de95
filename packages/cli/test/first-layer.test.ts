// `gradstream train --first-layer`: the flag, what each choice does to
// LeNet-5's conv1, and a short run in which a fixed first layer stays as
// designed while the rest trains.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Conv2d, edges, filterBankWeight, gabor } from '@gradstream/core/nn';
import { loadWeights } from '@gradstream/models';
import { parseArgs, UsageError } from '../src/command-line/args.js';
import { trainCommand } from '../src/commands/train.js';
import { FIRST_LAYER_NAMES, applyFirstLayer, firstConv } from '../src/setup/first-layer.js';
import { buildModel } from '../src/setup/models.js';
import { capture } from './capture.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MNIST = { imageShape: [1, 28, 28] as const, numClasses: 10 };

describe('--first-layer', () => {
  it('parses the four choices, defaults to learned and refuses others', () => {
    const parsed = (extra: string[]) => {
      const c = parseArgs(['train', ...extra]);
      if (c.kind !== 'train') throw new Error('expected train');
      return c.args.firstLayer;
    };
    expect(parsed([])).toBe('learned');
    for (const name of FIRST_LAYER_NAMES) expect(parsed(['--first-layer', name])).toBe(name);
    expect(() => parsed(['--first-layer', 'sobel'])).toThrow(UsageError);
  });

  it("sets LeNet-5's conv1: gabor and edges fill it from the bank and fix it, random-frozen fixes its init", () => {
    const bank = { gabor: gabor({ orientations: 3 }), edges: edges() };
    for (const choice of ['gabor', 'edges'] as const) {
      const model = buildModel('lenet5', MNIST, 0);
      expect(applyFirstLayer(model, choice)).toBe('features.0');
      const conv = firstConv(model)![1];
      const want = filterBankWeight(bank[choice], [6, 1, 5, 5]);
      expect([...conv.weight.dataSync()]).toEqual([...want.dataSync()]);
      want.dispose();
      expect([...conv.bias!.dataSync()]).toEqual([0, 0, 0, 0, 0, 0]);
      expect([conv.weight.requiresGrad, conv.bias!.requiresGrad]).toEqual([false, false]);
      expect(model.trainableParameters().length).toBe(8);
      model.dispose();
    }
    const reference = buildModel('lenet5', MNIST, 0);
    const frozen = buildModel('lenet5', MNIST, 0);
    applyFirstLayer(frozen, 'random-frozen');
    const [, a] = firstConv(reference)!;
    const [, b] = firstConv(frozen)!;
    expect([...b.weight.dataSync()]).toEqual([...a.weight.dataSync()]);
    expect(b.weight.requiresGrad).toBe(false);
    expect(a.weight.requiresGrad).toBe(true);
    reference.dispose();
    frozen.dispose();
  });

  it('trains everything but the fixed layer, and says how many parameters it trained', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gradstream-first-layer-')), 'run');
    dirs.push(join(out, '..'));
    const command = parseArgs(
      ['train', '--dataset', 'xo', '--model', 'tiny', '--epochs', '1', '--limit', '128', '--backend', 'cpu'].concat([
        '--first-layer',
        'edges',
        '--out',
        out,
      ]),
    );
    if (command.kind !== 'train') throw new Error('expected train');
    const stderr = capture();
    const report = await trainCommand(command.args, {
      stdout: capture(),
      stderr,
      signal: new AbortController().signal,
    });
    expect(report.steps).toBeGreaterThan(0);
    // tiny: conv 4@3×3 (36 + 4) fixed; linear 64·2 + 2 = 130 trained.
    expect(stderr.text()).toContain('first layer 0: edges (fixed)');
    expect(stderr.text()).toContain('130 of 170 parameters trained');
    const trained = buildModel('tiny', { imageShape: [1, 8, 8], numClasses: 2 }, 0);
    loadWeights(trained, join(out, 'model.safetensors'));
    const conv = trained.children()[0] as Conv2d;
    const want = filterBankWeight(edges(), [4, 1, 3, 3]);
    expect([...conv.weight.dataSync()]).toEqual([...want.dataSync()]);
    expect([...conv.bias!.dataSync()]).toEqual([0, 0, 0, 0]);
    const untouched = buildModel('tiny', { imageShape: [1, 8, 8], numClasses: 2 }, 0);
    const head = (m: typeof trained) => [...m.parameters()[2]!.dataSync()];
    expect(head(trained)).not.toEqual(head(untouched));
    want.dispose();
    trained.dispose();
    untouched.dispose();
  });
});
