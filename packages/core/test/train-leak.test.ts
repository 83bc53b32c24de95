import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { filter, lastValueFrom, map, toArray } from 'rxjs';
import { Random, memory, setSeed, tensor } from '@gradstream/core';
import { BatchNorm2d, Conv2d, Dropout, Flatten, Linear, ReLU, Sequential } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { type Batch, fit } from '@gradstream/core/train';

/** `steps` fresh random batches of 4 images 1×4×4 with labels in {0, 1}. */
function randomBatches(steps: number): AsyncIterable<Batch> {
  return {
    async *[Symbol.asyncIterator]() {
      const rng = new Random(9);
      for (let i = 0; i < steps; i++) {
        yield {
          x: tensor(
            Float32Array.from({ length: 64 }, () => rng.normal()),
            [4, 1, 4, 4],
          ),
          y: tensor(
            Int32Array.from({ length: 4 }, () => rng.int(2)),
            [4],
            'int32',
          ),
        };
      }
    },
  };
}

describe('training memory', () => {
  it('keeps live tensors and bytes flat over 2,000 steps after the first', async () => {
    setSeed(4);
    const baseline = memory().numTensors;
    const model = new Sequential([
      new Conv2d(1, 2, 3),
      new BatchNorm2d(2),
      new ReLU(),
      new Flatten(),
      new Dropout(0.2),
      new Linear(8, 2),
    ]);
    const optimizer = adam(model.parameters(), { lr: 1e-3 });
    const before = memory();
    const samples = await lastValueFrom(
      fit(model, { train: randomBatches(2000), epochs: 1, optimizer, clipNorm: 1 }).pipe(
        filter((e) => e.type === 'batchEnd'),
        map(() => memory()),
        toArray(),
      ),
    );
    expect(samples).toHaveLength(2000);
    const first = samples[0]!;
    const tensors = new Set(samples.map((m) => m.numTensors));
    const bytes = new Set(samples.map((m) => m.numBytes));
    console.info(
      `leak test: before fit ${before.numTensors} tensors / ${before.numBytes} B; after step 1 ${first.numTensors} / ${first.numBytes} B; distinct over 2,000 steps: ${[...tensors].join(',')} tensors, ${[...bytes].join(',')} B`,
    );
    expect(tensors).toEqual(new Set([first.numTensors]));
    expect(bytes).toEqual(new Set([first.numBytes]));
    // What step 1 added is exactly Adam's two moment tensors per parameter.
    const params = model.parameters();
    expect(first.numTensors - before.numTensors).toBe(2 * params.length);
    expect(first.numBytes - before.numBytes).toBe(2 * params.reduce((n, p) => n + p.size * 4, 0));
    expect(
      model
        .namedBuffers()
        .find(([k]) => k === '1.num_batches_tracked')![1]
        .item(),
    ).toBe(2000);
    optimizer.dispose();
    model.dispose();
    expect(memory().numTensors).toBe(baseline);
  });
});
