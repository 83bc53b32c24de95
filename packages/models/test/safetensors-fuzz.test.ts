import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  WeightsFileError,
  decodeSafetensors,
  encodeSafetensors,
  type RawTensor,
  type SafetensorsContents,
} from '@gradstream/models';
import { rawFile } from './safetensors-helpers.js';

/** Runs the decoder; any exception other than WeightsFileError fails the property. */
function decodeOrWeightsError(bytes: Uint8Array): SafetensorsContents | undefined {
  try {
    return decodeSafetensors(bytes, 'fuzz');
  } catch (e) {
    if (e instanceof WeightsFileError) return undefined;
    throw e;
  }
}

/** A successful decode must account for every data byte exactly once. */
function expectConsistent(bytes: Uint8Array, r: SafetensorsContents): void {
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  let dataBytes = 0;
  for (const t of r.tensors.values()) {
    expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
    dataBytes += t.data.length;
  }
  expect(dataBytes).toBeLessThanOrEqual(bytes.length - 8 - headerLength);
}

const rawTensor: fc.Arbitrary<RawTensor> = fc
  .tuple(fc.constantFrom('float32', 'float64', 'int32'), fc.array(fc.nat(4), { maxLength: 3 }))
  .map(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data =
      dtype === 'float32'
        ? new Float32Array(n).fill(1.5)
        : dtype === 'float64'
          ? new Float64Array(n).fill(-2)
          : new Int32Array(n).fill(7);
    return { dtype, shape, data } as RawTensor;
  });

const validFile = fc
  .uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), rawTensor), {
    selector: ([name]) => name,
    maxLength: 4,
  })
  .map((entries) => encodeSafetensors(new Map(entries.filter(([name]) => name !== '__metadata__'))));

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'length'; value: bigint }
  | { kind: 'append'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(400) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(400), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = bytes.slice();
  for (const m of mutations) {
    if (m.kind === 'truncate') out = out.slice(0, m.at % (out.length + 1));
    else if (m.kind === 'append') out = Uint8Array.from([...out, ...m.bytes]);
    else if (m.kind === 'length' && out.length >= 8) new DataView(out.buffer).setBigUint64(0, m.value, true);
    else if (m.kind === 'set' && out.length > 0) out[m.at % out.length] = m.value;
  }
  return out;
}

/** Header entries with plausible but often wrong fields: the validator's real job. */
const hostileEntry = fc.record({
  dtype: fc.oneof(
    fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I32', 'I64', 'U8', 'BOOL', 'f32', '', 'constructor'),
    fc.integer(),
    fc.constant(null),
  ),
  shape: fc.oneof(
    fc.array(fc.oneof(fc.nat(6), fc.integer({ min: -3, max: -1 }), fc.double(), fc.constant(2 ** 53)), {
      maxLength: 3,
    }),
    fc.string(),
  ),
  data_offsets: fc.oneof(
    fc.tuple(fc.nat(64), fc.nat(64)),
    fc.array(fc.integer({ min: -8, max: 2 ** 60 }), { maxLength: 3 }),
    fc.constant('0,4'),
  ),
});

const hostileFile = fc
  .tuple(
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 4 }), fc.constant('__metadata__')),
      fc.oneof(hostileEntry, fc.anything()),
      { maxKeys: 4 },
    ),
    fc.uint8Array({ maxLength: 64 }),
  )
  .map(([header, data]) => rawFile(header, data));

describe('safetensors decoder under hostile input: WeightsFileError or a consistent result, nothing else', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const r = decodeOrWeightsError(bytes);
        if (r) expectConsistent(bytes, r);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a plausible length prefix', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.uint8Array({ maxLength: 300 }), (length, body) => {
        const bytes = new Uint8Array(8 + body.length);
        new DataView(bytes.buffer).setUint32(0, length, true);
        bytes.set(body, 8);
        const r = decodeOrWeightsError(bytes);
        if (r) expectConsistent(bytes, r);
      }),
      { numRuns: 3000 },
    );
  });

  it('valid files truncated, overwritten, extended or given a wrong length', () => {
    fc.assert(
      fc.property(validFile, fc.array(mutation, { minLength: 1, maxLength: 3 }), (file, ms) => {
        const bytes = mutate(file, ms);
        const r = decodeOrWeightsError(bytes);
        if (r) expectConsistent(bytes, r);
      }),
      { numRuns: 3000 },
    );
  });

  it('headers with bad offsets, lengths, dtypes, shapes and overlaps', () => {
    fc.assert(
      fc.property(hostileFile, (bytes) => {
        const r = decodeOrWeightsError(bytes);
        if (r) expectConsistent(bytes, r);
      }),
      { numRuns: 3000 },
    );
  });

  it('valid files always decode', () => {
    fc.assert(
      fc.property(validFile, (bytes) => {
        expect(decodeOrWeightsError(bytes)).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });
});
