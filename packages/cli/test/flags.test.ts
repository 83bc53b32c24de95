import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/program/main.js';
import { capture } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const aFile = join(dir, 'a-file');
writeFileSync(aFile, 'not a directory');
const garbage = join(dir, 'garbage.safetensors');
writeFileSync(garbage, 'this is not a safetensors file');

async function run(argv: readonly string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout, stderr });
  return { code, stderr: stderr.text(), stdout: stdout.text() };
}

/** Flags that pass validation and keep a run tiny, for cases that fail later than parsing. */
const XO = ['--dataset', 'xo', '--limit', '32', '--epochs', '1', '--backend', 'cpu'];

describe('bad command lines exit 2 with one line on stderr', () => {
  it.each([
    ['unknown command', ['fly'], "unknown command 'fly'"],
    ['unknown help topic', ['help', 'fly'], "unknown command 'fly'"],
    ['unknown model', ['train', '--model', 'gpt'], "unknown model 'gpt' (choose from: tiny, lenet5,"],
    [
      'unknown dataset',
      ['train', '--dataset', 'imagenet'],
      "unknown dataset 'imagenet' (choose from: mnist, fashion-mnist, cifar10, xo, edges)",
    ],
    ['unknown backend', ['train', '--backend', 'webgpu'], "unknown backend 'webgpu' (choose from: auto, wasm, cpu)"],
    ['unknown optimizer', ['train', '--optimizer', 'lion'], "unknown optimizer 'lion' (choose from: adam,"],
    [
      'unknown schedule',
      ['train', '--schedule', 'linear'],
      "unknown schedule 'linear' (choose from: cosine, constant)",
    ],
    ['zero epochs', ['train', '--epochs', '0'], "--epochs must be a positive integer, got '0'"],
    ['negative epochs', ['train', '--epochs', '-3'], "--epochs must be a positive integer, got '-3'"],
    ['fractional epochs', ['train', '--epochs', '1.5'], "--epochs must be a positive integer, got '1.5'"],
    ['non-numeric epochs', ['train', '--epochs', 'ten'], "--epochs must be a positive integer, got 'ten'"],
    ['zero batch size', ['train', '--batch-size', '0'], "--batch-size must be a positive integer, got '0'"],
    ['fractional batch size', ['train', '--batch-size=6.4'], "--batch-size must be a positive integer, got '6.4'"],
    ['zero lr', ['train', '--lr', '0'], "--lr must be a positive number, got '0'"],
    ['negative lr', ['train', '--lr', '-0.1'], "--lr must be a positive number, got '-0.1'"],
    ['non-numeric lr', ['train', '--lr', 'fast'], "--lr must be a positive number, got 'fast'"],
    ['zero limit', ['train', '--limit', '0'], "--limit must be a positive integer, got '0'"],
    ['zero threads', ['train', '--threads', '0'], "--threads must be a positive integer, got '0'"],
    ['negative seed', ['train', '--seed', '-1'], "--seed must be a non-negative integer, got '-1'"],
    ['unknown option', ['train', '--epoch', '3'], "unknown option '--epoch' for train"],
    ['option without value', ['train', '--epochs'], "option '--epochs' needs a value"],
    ['option followed by option', ['train', '--epochs', '--lr', '1'], "option '--epochs' needs a value"],
    ['stray argument', ['train', 'mnist'], "unexpected argument 'mnist' for train"],
    ['cifar10 without --data-dir', ['train', '--dataset', 'cifar10'], "dataset 'cifar10' needs --data-dir"],
    ['eval without --weights', ['eval', '--dataset', 'xo'], 'eval needs --weights FILE'],
    ['edges with arguments', ['edges', '--size', '3'], "edges takes no arguments, got '--size'"],
    [
      'unwritable output directory',
      ['train', ...XO, '--out', join(aFile, 'run')],
      `output directory '${join(aFile, 'run')}' is not writable (ENOTDIR)`,
    ],
    [
      'missing weights file',
      ['eval', ...XO.slice(0, 4), '--weights', join(dir, 'none.safetensors')],
      `weights file '${join(dir, 'none.safetensors')}' not found`,
    ],
    ['a directory as --weights', ['eval', '--weights', dir], `--weights '${dir}' is a directory, not a weights file`],
    [
      'a device as --weights',
      ['eval', '--weights', '/dev/null'],
      "--weights '/dev/null' is a character device, not a weights file",
    ],
    [
      'a bad --input',
      ['summary', '--input', '3x224'],
      "--input must be CxHxW (three positive integers, e.g. 3x224x224), got '3x224'",
    ],
    ['--version with arguments', ['--version', 'x'], "--version takes no arguments, got 'x'"],
    [
      'missing data dir',
      ['train', ...XO, '--data-dir', join(dir, 'nowhere'), '--out', join(dir, 'd')],
      `--data-dir '${join(dir, 'nowhere')}' is not a directory`,
    ],
    [
      'data dir without the files',
      ['train', '--dataset', 'mnist', '--data-dir', dir, '--backend', 'cpu', '--out', join(dir, 'm')],
      "dataset 'mnist': ",
    ],
    [
      'a model that cannot take the images',
      ['train', ...XO, '--model', 'lenet5', '--out', join(dir, 'l')],
      "model 'lenet5' does not fit 1×8×8 images with 2 classes",
    ],
    [
      '--threads with the cpu backend',
      ['train', ...XO, '--threads', '2', '--out', join(dir, 't')],
      '--threads applies to the wasm backend only',
    ],
  ])('%s', async (_name, argv, message) => {
    const { code, stderr, stdout } = await run(argv);
    expect(code).toBe(2);
    expect(stderr.startsWith(`gradstream: ${message}`), stderr).toBe(true);
    expect(stderr.endsWith('\n') && stderr.indexOf('\n') === stderr.length - 1, stderr).toBe(true);
    expect(stdout).toBe('');
  });
});

// mkdir fails with ENOENT under /proc; Node's recursive mkdirSync loops forever there.
it.runIf(process.platform === 'linux')(
  'an output directory under /proc exits 2 at once instead of hanging',
  async () => {
    const { code, stderr } = await run(['train', ...XO, '--out', '/proc/gradstream-run/out']);
    expect([code, stderr]).toEqual([
      2,
      "gradstream: output directory '/proc/gradstream-run/out' is not writable (ENOENT)\n",
    ]);
  },
);

it('an output directory without write permission exits 2 with one line naming EACCES', async () => {
  const locked = join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(locked, 0o500);
  const out = join(locked, 'run');
  const stdout = capture();
  const stderr = capture();
  // Root ignores mode bits, so as root the check runs with the effective uid of nobody (65534), for whom they hold.
  // Only this process's uid changes, and only while main() runs synchronously up to its first await, which is past
  // the output-directory check: no file of the checkout is read as nobody, so this holds wherever it is cloned.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o755);
  let pending: Promise<number>;
  if (asRoot) process.seteuid!(65534);
  try {
    pending = main(['train', ...XO, '--out', out], { stdout, stderr });
  } finally {
    if (asRoot) process.seteuid!(0);
  }
  expect([await pending, stdout.text(), stderr.text()]).toEqual([
    2,
    '',
    `gradstream: output directory '${out}' is not writable (EACCES)\n`,
  ]);
});

describe('runtime failures exit 1 with one line on stderr', () => {
  it('a weights file that is not safetensors', async () => {
    const { code, stderr } = await run(['eval', ...XO.slice(0, 4), '--backend', 'cpu', '--weights', garbage]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gradstream: error: .*garbage\.safetensors.*\n$/);
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});

describe('help and the small commands exit 0', () => {
  it.each([
    [['--help']],
    [['-h']],
    [['help']],
    [['help', 'train']],
    [['train', '--help']],
    [['eval', '-h']],
    [['summary', '--help']],
    [['bench', '--help']],
    [['edges', '--help']],
  ])('%j prints help', async (argv) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: gradstream');
    expect(stderr).toBe('');
  });

  it('train --help documents the validation split and every output file', async () => {
    const { stdout } = await run(['train', '--help']);
    expect(stdout).toContain('last 5,000 training images are held out');
    for (const f of ['model.safetensors', 'metrics.csv', 'filters.png', 'feature-maps.png', 'curves.png'])
      expect(stdout).toContain(f);
  });

  it('edges prints the demo maps', async () => {
    const { code, stdout } = await run(['edges']);
    expect(code).toBe(0);
    expect(stdout).toContain('vertical-edge kernel');
    expect(stdout).toContain(' 0 30 30  0');
  });

  it('summary prints the models package table for LeNet-5', async () => {
    const { code, stdout } = await run(['summary', '--model', 'lenet5']);
    expect(code).toBe(0);
    expect(stdout).toContain('lenet5 for mnist (1×28×28, 10 classes)');
    expect(stdout).toContain('61,706');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `gradstream ${version}\n`, stderr: '' });
  });

  it('summary of an ImageNet model without a dataset is at ImageNet size, as torchvision builds it', async () => {
    const { code, stdout } = await run(['summary', '--model', 'resnet18']);
    expect(code).toBe(0);
    expect(stdout).toContain('resnet18 for ImageNet size (3×224×224, 1,000 classes)');
    // torchvision.models.resnet18(): 11,689,512 parameters, 1.82 G multiply-adds.
    expect(stdout).toContain('11,689,512');
  });

  it("summary --input with a dataset takes the dataset's classes", async () => {
    const { code, stdout } = await run([
      'summary',
      '--model',
      'resnet18',
      '--dataset',
      'cifar10',
      '--input',
      '3x40x40',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain("resnet18 for 3×40×40, 10 classes input (cifar10's classes)");
    // The CIFAR-style ResNet-18 (3×3 stem, no max pool) with a 10-way classifier: 11,173,962 parameters.
    expect(stdout).toContain('11,173,962');
  });

  it('summary of the tiny model on xo', async () => {
    const { code, stdout } = await run(['summary', '--dataset', 'xo']);
    expect(code).toBe(0);
    expect(stdout).toContain('tiny for xo');
    // conv 4·(1·9 + 1) + linear (4·4·4)·2 + 2
    expect(stdout).toContain('170');
  });
});
