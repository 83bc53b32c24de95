import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { cifar10, DatasetError, mnist, parseCifarBatch, parseIdx } from '@gradstream/datasets';
import { cifarBytes, idxBytes, idxPair, tempDir } from './helpers.js';

/** Runs `f`; any exception other than DatasetError fails the property. */
function onlyDatasetErrors<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof DatasetError) return undefined;
    throw e;
  }
}

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'header'; at: number; value: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(4000) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(4000), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  // Headers are where the interesting damage is: magic, element type, rank, dimensions.
  fc.record({ kind: fc.constant('header' as const), at: fc.nat(15), value: fc.integer({ min: 0, max: 255 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    if (m.kind === 'truncate') out = out.slice(0, m.at % (out.length + 1));
    else if (m.kind === 'append') out = Uint8Array.from([...out, ...m.bytes]);
    else if (out.length > 0) out[m.at % out.length] = m.value;
  }
  return out;
}

const validIdx = fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }).chain((dims) => {
  const size = dims.reduce((a, b) => a * b, 1);
  return fc.uint8Array({ minLength: size, maxLength: size }).map((data) => idxBytes(dims, data));
});

// Random flips rarely land on a label byte; this puts one on a record's first byte.
const cifarMutation: fc.Arbitrary<Mutation> = fc.oneof(
  mutation,
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.nat(3).map((r) => r * 3073),
    value: fc.integer({ min: 0, max: 255 }),
  }),
);

const validCifar = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 })
  .map((labels) => cifarBytes(labels));

describe('parsers under random and mutated input', () => {
  it('parseIdx: random buffers give a consistent result or a DatasetError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = onlyDatasetErrors(() => parseIdx(bytes, 'random'));
        if (r) expect(r.data.length).toBe(r.dims.reduce((a, b) => a * b, 1));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseIdx: mutated valid files give a consistent result or a DatasetError', () => {
    fc.assert(
      fc.property(validIdx, fc.array(mutation, { minLength: 1, maxLength: 3 }), (valid, ms) => {
        const bytes = mutate(valid, ms);
        const r = onlyDatasetErrors(() => parseIdx(bytes, 'mutated'));
        if (r) expect(4 + 4 * r.dims.length + r.data.length).toBe(bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('parseCifarBatch: random and mutated buffers give whole records or a DatasetError', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 7000 }),
      fc.tuple(validCifar, fc.array(cifarMutation, { minLength: 1, maxLength: 3 })).map(([v, ms]) => mutate(v, ms)),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        const r = onlyDatasetErrors(() => parseCifarBatch(bytes, 'mutated'));
        if (r) {
          expect(r.count * 3073).toBe(bytes.length);
          expect(r.labels.every((l) => l < 10)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('mnist() on mutated files', () => {
  const t = tempDir(idxPair('t10k', 5));
  afterAll(t.cleanup);
  const valid = idxPair('t10k', 5);

  it('returns a whole, consistent dataset or throws a DatasetError', () => {
    const which = fc.constantFrom('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte');
    fc.assert(
      fc.property(which, fc.array(mutation, { minLength: 1, maxLength: 2 }), (name, ms) => {
        writeFileSync(join(t.dir, name), mutate(valid[name]!, ms));
        const ds = onlyDatasetErrors(() => mnist('test', { dir: t.dir }));
        writeFileSync(join(t.dir, name), valid[name]!);
        if (ds) {
          for (let i = 0; i < ds.length; i++) expect(ds.get(i).label).toBeLessThan(10);
          expect(() => ds.get(ds.length)).toThrow(RangeError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('cifar10() on mutated files', () => {
  const valid: Record<string, Uint8Array> = { 'test_batch.bin': cifarBytes([3, 1, 4]) };
  for (let b = 1; b <= 5; b++)
    valid[`data_batch_${b}.bin`] = cifarBytes([b, 9 - b], (r, i) => (b * 31 + r * 7 + i) & 255);
  const t = tempDir(valid);
  afterAll(t.cleanup);

  it("returns a whole dataset whose records are the file's bytes, or throws a DatasetError", () => {
    const which = fc.constantFrom('test_batch.bin', 'data_batch_1.bin', 'data_batch_5.bin');
    fc.assert(
      fc.property(which, fc.array(cifarMutation, { minLength: 1, maxLength: 2 }), (name, ms) => {
        const bytes = mutate(valid[name]!, ms);
        writeFileSync(join(t.dir, name), bytes);
        const split = name === 'test_batch.bin' ? 'test' : 'train';
        const ds = onlyDatasetErrors(() => cifar10(split, { dir: t.dir }));
        writeFileSync(join(t.dir, name), valid[name]!);
        if (!ds) return;
        // The mutated batch is the test set, or the first or last two records of the ten in train.
        const records = bytes.length / 3073;
        expect(ds.length).toBe(split === 'test' ? records : 8 + records);
        const first = name === 'data_batch_5.bin' ? 8 : 0;
        for (let r = 0; r < records; r++) {
          const { image, label } = ds.get(first + r);
          expect(label).toBe(bytes[r * 3073]);
          expect(Array.from(image, (v) => Math.round(v * 255))).toEqual([
            ...bytes.subarray(r * 3073 + 1, (r + 1) * 3073),
          ]);
        }
        expect(() => ds.get(ds.length)).toThrow(RangeError);
      }),
      { numRuns: 300 },
    );
  });
});
