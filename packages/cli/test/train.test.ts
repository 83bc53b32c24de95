import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWeights, decodeSafetensors } from '@gradstream/models';
import { parseArgs, type TrainArgs } from '../src/command-line/args.js';
import { trainCommand, type TrainReport } from '../src/commands/train.js';
import { main } from '../src/program/main.js';
import { METRICS_HEADER } from '../src/render/csv.js';
import { datasetInfo } from '../src/setup/datasets.js';
import { buildModel } from '../src/setup/models.js';
import { capture } from './capture.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'gradstream-cli-'));
  dirs.push(d);
  return d;
};
afterAll(() =>
  dirs.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

function trainArgs(out: string, extra: readonly string[] = []): TrainArgs {
  const command = parseArgs([
    'train',
    '--dataset',
    'xo',
    '--model',
    'tiny',
    '--epochs',
    '2',
    '--limit',
    '256',
    '--lr',
    '0.01',
    '--backend',
    'cpu',
    '--out',
    out,
    ...extra,
  ]);
  if (command.kind !== 'train') throw new Error('expected train');
  return command.args;
}

function decodePng(path: string): PNG {
  return PNG.sync.read(readFileSync(path));
}

/** The distinct RGB colours (0xRRGGBB) of a decoded PNG: a blank picture has one. */
function colours(png: PNG): Set<number> {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4)
    seen.add((png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!);
  return seen;
}

function csvRows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => l.split(','));
}

describe('train on the synthetic X-vs-O set, in process', () => {
  let out: string;
  let report: TrainReport;
  const stdout = capture();
  const stderr = capture();

  beforeAll(async () => {
    out = join(tempDir(), 'run');
    report = await trainCommand(trainArgs(out), { stdout, stderr, signal: new AbortController().signal });
  });

  it('finishes both epochs, scores the test set and reports on stdout', () => {
    expect(report.interrupted).toBe(false);
    expect(report.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(report.test!.accuracy).toBeGreaterThan(0.5);
    expect(stdout.text()).toMatch(/^test accuracy \d+\.\d\d% \(loss \d\.\d{4}\) on 256 images$/m);
    expect(stderr.text()).toContain('epoch 2/2');
  });

  it('writes weights that load back into the model', () => {
    const path = join(out, 'model.safetensors');
    const model = buildModel('tiny', datasetInfo('xo'), 123);
    expect(loadWeights(model, path)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const saved = decodeSafetensors(readFileSync(path), path);
    expect([...saved.tensors.keys()]).toEqual(['0.weight', '0.bias', '4.weight', '4.bias']);
    const [name, t] = model.namedParameters()[0]!;
    expect(Array.from(t.dataSync())).toEqual(Array.from(saved.tensors.get(name)!.data as Float32Array));
    model.dispose();
  });

  it('records in the weights what they are and exactly how far training went', () => {
    const path = join(out, 'model.safetensors');
    // limit 256 at batch 64: 4 optimizer steps per epoch.
    expect(decodeSafetensors(readFileSync(path), path).metadata).toEqual({
      model: 'tiny',
      dataset: 'xo',
      input: '1x8x8',
      classes: '2',
      seed: '0',
      epochs_planned: '2',
      epochs_completed: '2',
      steps: '8',
      steps_per_epoch: '4',
      interrupted: 'false',
    });
  });

  it('writes metrics.csv with one sane row per epoch', () => {
    const [header, ...rows] = csvRows(join(out, 'metrics.csv'));
    expect(header).toEqual([...METRICS_HEADER]);
    expect(rows).toHaveLength(2);
    rows.forEach((row, k) => {
      const [epoch, trainLoss, trainAcc, valLoss, valAcc, seconds, rate] = row.map(Number) as number[];
      expect(epoch).toBe(k + 1);
      for (const loss of [trainLoss!, valLoss!]) expect(loss > 0 && loss < 5, `loss ${loss}`).toBe(true);
      for (const acc of [trainAcc!, valAcc!]) expect(acc >= 0 && acc <= 1, `accuracy ${acc}`).toBe(true);
      expect(seconds).toBeGreaterThan(0);
      expect(rate).toBeGreaterThan(0);
    });
    expect(Number(rows[1]![1])).toBeLessThan(Number(rows[0]![1]));
  });

  it('writes three non-blank PNGs large enough for what they show', () => {
    // Each at least its tiles or panels; titles, labels, axes and padding come on top.
    // filters: 4 kernels of 3×3 magnified 21× (63 px) in one row.
    // feature maps: 8×8 maps magnified 14× (112 px); the input left of a 2×2 grid of the 4 maps.
    // curves: two 360×240 panels side by side.
    const least = {
      'filters.png': [4 * 63, 63],
      'feature-maps.png': [3 * 112, 2 * 112],
      'curves.png': [2 * 360, 240],
    };
    for (const [file, [width, height]] of Object.entries(least)) {
      const png = decodePng(join(out, file));
      expect(png.width, file).toBeGreaterThan(width!);
      expect(png.height, file).toBeGreaterThan(height!);
      expect(colours(png).size, file).toBeGreaterThan(4);
    }
    // Kernels and maps are stretched to their own range, so they span many grey levels.
    expect(colours(decodePng(join(out, 'filters.png'))).size).toBeGreaterThan(8);
    expect(colours(decodePng(join(out, 'feature-maps.png'))).size).toBeGreaterThan(8);
    // Both curves are drawn: the training (blue) and validation (orange) colours appear.
    const curves = colours(decodePng(join(out, 'curves.png')));
    expect(curves.has((31 << 16) | (119 << 8) | 180) && curves.has((255 << 16) | (127 << 8) | 14)).toBe(true);
  });

  it('leaves no temporary files behind', () => {
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('eval on the saved weights reproduces the test accuracy', async () => {
    const evalOut = capture();
    const code = await main(
      [
        'eval',
        '--dataset',
        'xo',
        '--model',
        'tiny',
        '--weights',
        join(out, 'model.safetensors'),
        '--limit',
        '256',
        '--backend',
        'cpu',
      ],
      { stdout: evalOut, stderr: capture() },
    );
    expect(code).toBe(0);
    expect(evalOut.text()).toContain(`test accuracy ${(report.test!.accuracy! * 100).toFixed(2)}%`);
  });
});

describe('eval reads what the weights are from their metadata', () => {
  let weights: string;
  let accuracy: number;
  beforeAll(async () => {
    const out = join(tempDir(), 'for-eval');
    const report = await trainCommand(trainArgs(out, ['--epochs', '1']), {
      stdout: capture(),
      stderr: capture(),
      signal: new AbortController().signal,
    });
    weights = join(out, 'model.safetensors');
    accuracy = report.test!.accuracy!;
  });
  const evalRun = async (extra: readonly string[]) => {
    const stdout = capture();
    const stderr = capture();
    const code = await main(['eval', '--weights', weights, '--limit', '256', '--backend', 'cpu', ...extra], {
      stdout,
      stderr,
    });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  it('with --weights alone it rebuilds the tiny model on xo and reproduces the test accuracy', async () => {
    // The defaults (lenet5 on mnist) differ from the file's model and dataset.
    const r = await evalRun([]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toBe(`test accuracy ${(accuracy * 100).toFixed(2)}% (loss ${r.stdout.split('(loss ')[1]}`);
    expect(r.stdout).toContain('on 256 xo images, tiny on cpu');
  });

  it('a --model that contradicts the file is a usage error naming both', async () => {
    expect(await evalRun(['--model', 'lenet5'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `gradstream: --model lenet5, but ${weights} holds tiny weights (its metadata)\n`,
    });
  });

  it('a --dataset of another image shape is a usage error naming both shapes', async () => {
    expect(await evalRun(['--dataset', 'mnist'])).toEqual({
      code: 2,
      stdout: '',
      stderr: `gradstream: ${weights} was trained on 1×8×8 images (xo); mnist images are 1×28×28\n`,
    });
  });

  it('a --dataset of the same shape and classes is scored', async () => {
    const r = await evalRun(['--dataset', 'edges']);
    // edges has 4 classes, xo 2: the classifier cannot be reused.
    expect([r.code, r.stderr]).toEqual([2, `gradstream: ${weights} classifies 2 classes (xo); edges has 4\n`]);
  });
});

describe('every result of a finished run is written on its own', () => {
  it('a directory named model.safetensors: metrics and pictures are written, the failure reported, exit 1', async () => {
    const out = join(tempDir(), 'weights-blocked');
    mkdirSync(join(out, 'model.safetensors'), { recursive: true });
    const stdout = capture();
    const stderr = capture();
    const code = await main(
      ['train', '--dataset', 'xo', '--epochs', '1', '--limit', '128', '--backend', 'cpu', '--out', out],
      { stdout, stderr },
    );
    expect(code).toBe(1);
    expect(csvRows(join(out, 'metrics.csv'))).toHaveLength(2);
    for (const f of ['filters.png', 'feature-maps.png', 'curves.png']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(stderr.text()).toMatch(
      new RegExp(`^gradstream: error: could not write ${join(out, 'model.safetensors')}: .*(EISDIR|directory)`, 'm'),
    );
    expect(stdout.text()).toMatch(/^test accuracy /m);
    expect(stdout.text()).toContain(`wrote ${join(out, 'metrics.csv')}, ${join(out, 'curves.png')}`);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('a run that cannot start leaves no directories behind', () => {
  it('a too-long --out path: exit 2, and none of its parents remain', async () => {
    const base = tempDir();
    const out = join(base, ...Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(250, 'x')));
    const stderr = capture();
    const code = await main(['train', '--dataset', 'xo', '--epochs', '1', '--backend', 'cpu', '--out', out], {
      stdout: capture(),
      stderr,
    });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('is not writable (ENAMETOOLONG)');
    expect(readdirSync(base)).toEqual([]);
  });

  it('a model that does not fit the data: exit 2, and the default-style runs/<time> folder is gone', async () => {
    const base = tempDir();
    const code = await main(
      ['train', '--dataset', 'xo', '--model', 'lenet5', '--backend', 'cpu', '--out', join(base, 'runs', 'now')],
      { stdout: capture(), stderr: capture() },
    );
    expect(code).toBe(2);
    expect(readdirSync(base)).toEqual([]);
  });

  it('an existing --out directory is kept when the run fails', async () => {
    const base = tempDir();
    const code = await main(['train', '--dataset', 'xo', '--model', 'lenet5', '--backend', 'cpu', '--out', base], {
      stdout: capture(),
      stderr: capture(),
    });
    expect(code).toBe(2);
    expect(existsSync(base)).toBe(true);
  });
});

describe('main(argv) exit codes for train', () => {
  it('returns 0 for a finished run', async () => {
    const out = join(tempDir(), 'ok');
    const code = await main(
      ['train', '--dataset', 'xo', '--epochs', '1', '--limit', '128', '--backend', 'cpu', '--out', out],
      { stdout: capture(), stderr: capture() },
    );
    expect(code).toBe(0);
    expect(existsSync(join(out, 'model.safetensors'))).toBe(true);
  });

  it('stops on abort (Ctrl-C) after the first epoch, writes what exists and returns 130', async () => {
    const out = join(tempDir(), 'interrupted');
    const controller = new AbortController();
    // The progress bar prints a line per finished epoch when stderr is not a terminal.
    const stderr = capture((chunk) => chunk.startsWith('epoch 1/') && controller.abort());
    const code = await main(
      ['train', '--dataset', 'xo', '--epochs', '50', '--limit', '256', '--backend', 'cpu', '--out', out],
      { stdout: capture(), stderr, signal: controller.signal },
    );
    expect(code).toBe(130);
    expect(csvRows(join(out, 'metrics.csv'))).toHaveLength(2);
    for (const f of ['model.safetensors', 'filters.png', 'feature-maps.png', 'curves.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(stderr.text()).toContain('interrupted after batch 4 of epoch 1: 1 of 50 epochs finished');
  });

  it('aborted mid-epoch stops after the batch in progress, writes what exists and returns 130', async () => {
    const out = join(tempDir(), 'mid-epoch');
    const controller = new AbortController();
    let seen: { epoch: number; batch: number } | undefined;
    // On a terminal the bar is redrawn as "\repoch E/50 [===>  ] B/N …"; abort on a redraw inside an epoch, past its first batch.
    const stderr = {
      ...capture((chunk) => {
        const m = /^\repoch (\d+)\/\d+ \[[^\]]*\] (\d+)\/(\d+) /.exec(chunk);
        if (seen || !m || Number(m[2]) < 2 || Number(m[2]) >= Number(m[3])) return;
        seen = { epoch: Number(m[1]), batch: Number(m[2]) };
        controller.abort();
      }),
      isTTY: true,
    };
    const code = await main(
      [
        'train',
        '--dataset',
        'xo',
        '--epochs',
        '50',
        '--limit',
        '1024',
        '--batch-size',
        '4',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      { stdout: capture(), stderr, signal: controller.signal },
    );
    expect(code).toBe(130);
    expect(seen).toBeDefined();
    // The abort came while batch B's progress was drawn; no batch after it ran.
    expect(stderr.text()).toContain(
      `interrupted after batch ${seen!.batch} of epoch ${seen!.epoch}: ${seen!.epoch - 1} of 50 epochs finished`,
    );
    // The unfinished epoch leaves no row.
    expect(csvRows(join(out, 'metrics.csv'))).toHaveLength(seen!.epoch);
    // The weights hold every step taken, the unfinished epoch's included: 1024 samples at batch 4 is 256 per epoch.
    const path = join(out, 'model.safetensors');
    expect(decodeSafetensors(readFileSync(path), path).metadata).toMatchObject({
      epochs_planned: '50',
      epochs_completed: String(seen!.epoch - 1),
      steps: String((seen!.epoch - 1) * 256 + seen!.batch),
      steps_per_epoch: '256',
      interrupted: 'true',
    });
    for (const f of ['model.safetensors', 'filters.png', 'feature-maps.png', 'curves.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('aborted during the final test evaluation stops there, writes every file and returns 130', async () => {
    const out = join(tempDir(), 'in-test');
    const controller = new AbortController();
    // The epoch line is written before fit completes; a timer set then fires once the test evaluation has begun.
    const stderr = capture((chunk) => chunk.startsWith('epoch 1/1') && setTimeout(() => controller.abort(), 0));
    const stdout = capture();
    const code = await main(
      [
        'train',
        '--dataset',
        'xo',
        '--epochs',
        '1',
        '--limit',
        '512',
        '--batch-size',
        '4',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      { stdout, stderr, signal: controller.signal },
    );
    expect(code).toBe(130);
    const m = /interrupted in the test evaluation after batch (\d+) of 128: all 1 epochs finished/.exec(stderr.text());
    expect(m, stderr.text()).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(128);
    expect(stdout.text()).not.toContain('test accuracy');
    expect(csvRows(join(out, 'metrics.csv'))).toHaveLength(2);
    for (const f of ['model.safetensors', 'filters.png', 'feature-maps.png', 'curves.png'])
      expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('aborted in the first epoch reports the throughput of its batches, not NaN', async () => {
    const out = join(tempDir(), 'first-epoch');
    const controller = new AbortController();
    let batch: number | undefined;
    const stderr = {
      ...capture((chunk) => {
        const m = /^\repoch 1\/\d+ \[[^\]]*\] (\d+)\//.exec(chunk);
        if (batch !== undefined || !m) return;
        batch = Number(m[1]);
        controller.abort();
      }),
      isTTY: true,
    };
    const stdout = capture();
    const code = await main(
      [
        'train',
        '--dataset',
        'xo',
        '--epochs',
        '2',
        '--limit',
        '1024',
        '--batch-size',
        '4',
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      { stdout, stderr, signal: controller.signal },
    );
    expect(code).toBe(130);
    expect(stdout.text()).not.toContain('NaN');
    expect(stdout.text()).toMatch(
      new RegExp(
        `^no epoch finished: ${batch} batch(es)? of epoch 1 \\([\\d,]+ samples/s on cpu\\); total \\d+\\.\\d s$`,
        'm',
      ),
    );
  });

  it('aborted before the first batch still writes weights, an empty CSV and pictures', async () => {
    const out = join(tempDir(), 'at-once');
    const controller = new AbortController();
    controller.abort();
    const stdout = capture();
    const code = await main(
      ['train', '--dataset', 'xo', '--epochs', '2', '--limit', '64', '--backend', 'cpu', '--out', out],
      { stdout, stderr: capture(), signal: controller.signal },
    );
    expect(code).toBe(130);
    expect(csvRows(join(out, 'metrics.csv'))).toEqual([[...METRICS_HEADER]]);
    expect(colours(decodePng(join(out, 'curves.png'))).size).toBeGreaterThan(2);
    expect(stdout.text()).toMatch(/^no batch trained; total \d+\.\d s$/m);
  });
});
