import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  UnknownOptionError,
  add,
  conv2d,
  formatProfile,
  matmul,
  maxPool2d,
  profile,
  relu,
  setBackend,
  sum,
  tensor,
  tidy,
} from '@gradstream/core';

const F32 = 4;

describe('profile', () => {
  it('counts each kernel call, its bytes (inputs + outputs) and FLOPs exactly', async () => {
    await setBackend('cpu');
    const a = tensor(new Float32Array([1, -2, 3, -4, 5, -6]), [2, 3]);
    const b = tensor(new Float32Array(12).fill(0.5), [3, 4]);
    const p = profile(() =>
      tidy(() => {
        const z = matmul(a, b); // [2, 4]
        const r = relu(z);
        const s1 = sum(add(r, r));
        const s2 = sum(add(z, r));
        return s1.item() + s2.item();
      }),
    );
    // relu(z) = [1, 1, 1, 1, 0, 0, 0, 0]; z sums to 4 − 10 = −6.
    expect(p.result).toBe(8 + (-6 + 4));
    const byKernel = Object.fromEntries(p.kernels.map((k) => [k.kernel, k]));
    expect(Object.keys(byKernel).sort()).toEqual(['add', 'matmul', 'read', 'relu', 'sum']);
    // item() reads one float32 from each sum.
    expect(byKernel.read).toMatchObject({ calls: 2, bytes: 2 * F32, flops: undefined });
    expect(byKernel.matmul).toMatchObject({ calls: 1, bytes: (6 + 12 + 8) * F32, flops: 2 * 2 * 4 * 3 });
    expect(byKernel.relu).toMatchObject({ calls: 1, bytes: (8 + 8) * F32, flops: undefined, gflops: undefined });
    expect(byKernel.add).toMatchObject({ calls: 2, bytes: 2 * (8 + 8 + 8) * F32, flops: 2 * 8 });
    expect(byKernel.sum).toMatchObject({ calls: 2, bytes: 2 * (8 + 1) * F32, flops: 2 * 8 });
    expect(p.kernels.reduce((s, k) => s + k.share, 0)).toBeCloseTo(1, 12);
    expect(p.kernelMs).toBeCloseTo(
      p.kernels.reduce((s, k) => s + k.ms, 0),
      12,
    );
    expect(p.wallMs).toBeGreaterThanOrEqual(p.kernelMs);
    for (let i = 1; i < p.kernels.length; i++) expect(p.kernels[i - 1]!.ms).toBeGreaterThanOrEqual(p.kernels[i]!.ms);
    a.dispose();
    b.dispose();
  });

  it('counts conv FLOPs as 2·outputs·(C·kh·kw), uploads as write, and maxPool with its input', async () => {
    await setBackend('cpu');
    const p = profile(() =>
      tidy(() => {
        const x = tensor(new Float32Array(2 * 3 * 6 * 6).fill(1), [2, 3, 6, 6]);
        const w = tensor(new Float32Array(4 * 3 * 3 * 3).fill(1), [4, 3, 3, 3]);
        const y = conv2d(x, w); // [2, 4, 4, 4]
        return maxPool2d(y, 2).shape; // [2, 4, 2, 2]
      }),
    );
    expect(p.result).toEqual([2, 4, 2, 2]);
    const byKernel = Object.fromEntries(p.kernels.map((k) => [k.kernel, k]));
    expect(byKernel.write).toMatchObject({ calls: 2, bytes: (216 + 108) * F32 });
    expect(byKernel.conv).toMatchObject({ calls: 1, bytes: (216 + 108 + 128) * F32, flops: 2 * 128 * 27 });
    // maxPool returns the maxima and their int32 indices.
    expect(byKernel.maxPool).toMatchObject({ calls: 1, bytes: (128 + 32 + 32) * F32 });
  });

  it('waits for an async function and records nothing after it settles', async () => {
    await setBackend('cpu');
    const x = tensor([1, 2, 3]);
    const p = await profile(async () => {
      await new Promise((r) => setTimeout(r, 1));
      tidy(() => add(x, x).dispose());
      await Promise.resolve();
      return tidy(() => sum(x).item());
    });
    expect(p.result).toBe(6);
    tidy(() => add(x, x).dispose()); // after the profile: not counted
    expect(p.kernels.map((k) => [k.kernel, k.calls])).toEqual(
      expect.arrayContaining([
        ['add', 1],
        ['sum', 1],
        ['read', 1],
      ]),
    );
    expect(p.kernels).toHaveLength(3);
    x.dispose();
  });

  it('lets profiles nest: the outer one counts the inner one’s kernels too', async () => {
    await setBackend('cpu');
    const x = tensor([1, 2]);
    const outer = profile(() => {
      tidy(() => add(x, x).dispose());
      return profile(() => tidy(() => add(x, x).dispose()));
    });
    expect(outer.result.kernels.map((k) => k.calls)).toEqual([1]);
    expect(outer.kernels.map((k) => k.calls)).toEqual([2]);
    x.dispose();
  });

  it('stops recording when fn throws, and rethrows', async () => {
    await setBackend('cpu');
    expect(() =>
      profile(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(profile(() => Promise.reject(new Error('late')))).rejects.toThrow('late');
    const x = tensor([1]);
    const p = profile(() => 0);
    tidy(() => add(x, x).dispose());
    expect(p.kernels).toEqual([]);
    x.dispose();
  });

  it('formats a table with per-step figures and rejects unknown options', async () => {
    await setBackend('cpu');
    const x = tensor([1, 2, 3, 4]);
    const p = profile(() => {
      for (let i = 0; i < 4; i++) tidy(() => sum(add(x, x)).dispose());
    });
    const text = formatProfile(p, { per: 4, top: 1 });
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^kernel\s+calls\s+total ms\s+µs\/call\s+bytes moved\s+GFLOP\/s\s+share$/);
    // One shown row with 1 call per step, then the other kernel summed, then the totals.
    expect(lines[1]).toMatch(/^(add|sum)\s+1\s/);
    expect(lines[2]).toMatch(/^\(1 more\)\s+1\s/);
    expect(lines[3]).toMatch(/^kernels .* per step \(over 4\)$/);
    expect(() => formatProfile(p, { tops: 3 } as never)).toThrow(UnknownOptionError);
    x.dispose();
  });
});
