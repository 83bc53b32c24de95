// Per-dimension options and pooling padding are checked in one place each;
// every caller must still name itself and the option in its error.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { ArgumentError, avgPool2d, conv2d, convTranspose2d, maxPool1d, maxPool2d, ones } from '@gradstream/core';
import { Conv2d, ConvTranspose2d } from '@gradstream/core/nn';

const message = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ArgumentError);
    return (e as Error).message;
  }
  throw new Error('expected an ArgumentError');
};

describe('per-dimension options', () => {
  it('layers check kernelSize: count and positive integers', () => {
    expect(message(() => new Conv2d(1, 1, [3, 3, 3]))).toMatch(/^Conv2d: kernelSize needs 2 entries, got \[3,3,3\]/);
    expect(message(() => new Conv2d(1, 1, 0))).toMatch(/^Conv2d: kernelSize must be integers ≥ 1, got 0/);
    expect(message(() => new ConvTranspose2d(1, 1, 2.5))).toMatch(/^ConvTranspose2d: kernelSize must be integers ≥ 1/);
  });

  it('ops check stride, dilation and outputPadding the same way', () => {
    const x = ones([1, 1, 4, 4]);
    const w = ones([1, 1, 2, 2]);
    expect(message(() => conv2d(x, w, { stride: [1] }))).toMatch(/^conv2d: stride needs 2 entries/);
    expect(message(() => convTranspose2d(x, w, { dilation: 0 }))).toMatch(
      /^convTranspose2d: dilation must be integers ≥ 1/,
    );
    expect(message(() => convTranspose2d(x, w, { outputPadding: -1 }))).toMatch(
      /^convTranspose2d: outputPadding must be integers ≥ 0/,
    );
  });
});

describe('pooling padding', () => {
  it('max and average pooling refuse padding beyond half the kernel, and accept half', () => {
    const x = ones([1, 1, 6, 6]);
    expect(message(() => maxPool2d(x, 2, { padding: 2 }))).toMatch(
      /^maxPool2d: padding .* at most half the kernel \[2,2\]/,
    );
    expect(
      message(() =>
        avgPool2d(x, 3, {
          padding: [
            [0, 2],
            [0, 0],
          ],
        }),
      ),
    ).toMatch(/^avgPool2d: padding/);
    expect(message(() => maxPool1d(ones([1, 1, 6]), 3, { padding: 2 }))).toMatch(/^maxPool1d: padding/);
    expect(maxPool2d(x, 2, { padding: 1 }).shape).toEqual([1, 1, 4, 4]);
    expect(avgPool2d(x, 3, { padding: 1 }).shape).toEqual([1, 1, 2, 2]);
  });
});
