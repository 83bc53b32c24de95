import { describe, expect, it } from 'vitest';
import { defaultOutDir, parseArgs } from '../src/command-line/args.js';

const NOW = new Date('2025-03-04T05:06:07.890Z');

describe('parseArgs', () => {
  it('with no arguments is the README main job: LeNet-5 on MNIST with every default', () => {
    expect(parseArgs([], NOW)).toEqual({
      kind: 'train',
      args: {
        model: 'lenet5',
        dataset: 'mnist',
        backend: 'auto',
        batchSize: 64,
        seed: 0,
        epochs: 3,
        optimizer: 'adam',
        lr: 3e-3,
        schedule: 'cosine',
        firstLayer: 'learned',
        out: 'runs/2025-03-04T05-06-07',
      },
    });
    expect(parseArgs(['train'], NOW)).toEqual(parseArgs([], NOW));
    expect(parseArgs(['--epochs', '1'], NOW)).toMatchObject({ kind: 'train', args: { epochs: 1, model: 'lenet5' } });
  });

  it('reads --name value and --name=value, later occurrences winning', () => {
    const c = parseArgs(
      [
        'train',
        '--epochs=4',
        '--batch-size',
        '32',
        '--lr',
        '3e-4',
        '--epochs',
        '5',
        '--limit',
        '100',
        '--threads',
        '2',
        '--out',
        'x',
      ],
      NOW,
    );
    expect(c).toMatchObject({
      kind: 'train',
      args: { epochs: 5, batchSize: 32, lr: 3e-4, limit: 100, threads: 2, out: 'x' },
    });
  });

  it('picks the model from the dataset and the learning rate from the optimizer', () => {
    expect(parseArgs(['train', '--dataset', 'xo'], NOW)).toMatchObject({ args: { model: 'tiny' } });
    expect(parseArgs(['train', '--dataset', 'cifar10', '--data-dir', '/d'], NOW)).toMatchObject({
      args: { model: 'resnet18', dataDir: '/d' },
    });
    expect(parseArgs(['train', '--optimizer', 'momentum'], NOW)).toMatchObject({ args: { lr: 0.01 } });
    expect(parseArgs(['train', '--optimizer', 'sgd', '--lr', '0.1'], NOW)).toMatchObject({ args: { lr: 0.1 } });
  });

  it('parses eval, summary, bench and help', () => {
    // Without --model the model is left to the weights file's metadata.
    const evalCommand = parseArgs(['eval', '--weights', 'w.safetensors', '--dataset', 'edges']);
    expect(evalCommand).toMatchObject({ kind: 'eval', args: { weights: 'w.safetensors', dataset: 'edges' } });
    expect(evalCommand.kind === 'eval' && 'model' in evalCommand.args).toBe(false);
    expect(parseArgs(['summary', '--model', 'resnet18', '--dataset', 'cifar10'])).toEqual({
      kind: 'summary',
      args: { model: 'resnet18', dataset: 'cifar10' },
    });
    expect(parseArgs(['summary', '--model', 'resnet18', '--input', '3x224x224'])).toEqual({
      kind: 'summary',
      args: { model: 'resnet18', input: [3, 224, 224] },
    });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
    expect(parseArgs(['bench', 'conv', '--quick'])).toEqual({ kind: 'bench', args: ['conv', '--quick'] });
    expect(parseArgs(['train', '--epochs', '0', '--help'])).toEqual({ kind: 'help', topic: 'train' });
    expect(parseArgs(['help'])).toEqual({ kind: 'help' });
  });

  it('names default output directories without colons', () => {
    expect(defaultOutDir(NOW)).toBe('runs/2025-03-04T05-06-07');
  });
});
