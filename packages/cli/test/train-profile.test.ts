import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/command-line/args.js';
import { main } from '../src/program/main.js';
import { capture } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-profile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train --profile', () => {
  it('takes an optional step count (5 when bare)', () => {
    const bare = parseArgs(['train', '--profile', '--epochs', '1']);
    expect(bare.kind === 'train' && bare.args.profile).toBe(5);
    const last = parseArgs(['train', '--epochs', '1', '--profile']);
    expect(last.kind === 'train' && last.args.profile).toBe(5);
    const three = parseArgs(['train', '--profile', '3']);
    expect(three.kind === 'train' && three.args.profile).toBe(3);
    const none = parseArgs(['train']);
    expect(none.kind === 'train' && 'profile' in none.args).toBe(false);
    expect(() => parseArgs(['train', '--profile', '0'])).toThrow(UsageError);
    expect(() => parseArgs(['train', '--profile='])).toThrow(UsageError);
    // Other flags still need their value.
    expect(() => parseArgs(['train', '--epochs'])).toThrow(UsageError);
  });

  it('prints a per-step kernel table whose shares add up to 100%, and writes no files', async () => {
    const out = join(dir, 'never');
    const stdout = capture();
    const stderr = capture();
    const code = await main(
      ['train', '--dataset', 'xo', '--model', 'tiny', '--backend', 'cpu', '--profile', '3', '--out', out],
      { stdout, stderr },
    );
    expect(code, stderr.text()).toBe(0);
    expect(stderr.text()).toMatch(/profiling 3 training steps of tiny on xo/);
    const lines = stdout.text().trim().split('\n');
    expect(lines[0]).toMatch(/^kernel\s+calls\s+total ms/);
    expect(lines.at(-1)).toMatch(/^kernels [\d.]+ ms of [\d.]+ ms wall per step \(over 3\)$/);
    const rows = lines.slice(1, -1).map((l) => l.split(/\s{2,}/));
    const kernels = rows.map((r) => r[0]);
    for (const k of ['conv', 'convBackpropFilter', 'matmul', 'maxPool', 'write']) expect(kernels).toContain(k);
    // The tiny model has one conv layer and one linear layer: per step one forward conv, one filter
    // gradient (the image needs no input gradient), and three matmuls (forward, dW, dx of the linear layer).
    expect(rows.find((r) => r[0] === 'conv')![1]).toBe('1');
    expect(rows.find((r) => r[0] === 'convBackpropFilter')![1]).toBe('1');
    expect(rows.find((r) => r[0] === 'matmul')![1]).toBe('3');
    expect(kernels).not.toContain('convBackpropInput');
    const shares = rows.map((r) => Number.parseFloat(r.at(-1)!));
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 0);
    expect(existsSync(out)).toBe(false);
  });

  it('says when the training split has too few batches', async () => {
    const stderr = capture();
    const code = await main(
      ['train', '--dataset', 'xo', '--backend', 'cpu', '--limit', '64', '--batch-size', '64', '--profile', '4'],
      { stdout: capture(), stderr },
    );
    expect(code).toBe(2);
    expect(stderr.text()).toMatch(/--profile 4 needs 6 batches/);
  });
});
