import { afterAll, describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { getBackendName, setBackend } from '@gradstream/core';
import { encodeSafetensors, lenet5, loadWeights, type RawTensor, WeightsFileError } from '@gradstream/models';

/** A model's state dict as raw float64 tensors, every value an exact float64 (so float32 rounding is visible). */
function float64StateDict(model: ReturnType<typeof lenet5>): Map<string, RawTensor> {
  return new Map(
    [...model.stateDict()].map(([name, t], k): [string, RawTensor] => {
      const data = Float64Array.from(t.dataSync(), (v, i) => v + (i % 7) * 1e-12 + k * 1e-13);
      return [name, { dtype: 'float64', shape: t.shape, data }];
    }),
  );
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('loadWeights casts to the parameter dtype, as load_state_dict does', () => {
  const previous = getBackendName();
  afterAll(() => setBackend(previous));

  it.each(['wasm', 'cpu'])('a float64 file loads into a float32 model on %s, rounded to float32', async (backend) => {
    await setBackend(backend);
    using source = lenet5({ seed: 1 });
    const raw = float64StateDict(source);
    using model = lenet5({ seed: 2 });
    expect(loadWeights(model, encodeSafetensors(raw))).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [name, t] of model.stateDict()) {
      expect(t.dtype, name).toBe('float32');
      // The reference rounding: Math.fround of each float64 value.
      expect(Array.from(t.dataSync()), name).toEqual(Array.from(raw.get(name)!.data, Math.fround));
    }
  });

  it('a float64 value beyond float32 range is an out-of-range error naming the tensor', async () => {
    await setBackend('wasm');
    using model = lenet5({ seed: 2 });
    const raw = float64StateDict(model);
    (raw.get('features.0.bias')!.data as Float64Array)[2] = 1e300;
    const e = thrown(() => loadWeights(model, encodeSafetensors(raw)));
    expect(e).toBeInstanceOf(WeightsFileError);
    expect((e as WeightsFileError).code).toBe('out-of-range');
    expect((e as Error).message).toContain("tensor 'features.0.bias': F64 value 1e+300 of element 2 overflows float32");
  });
});

describe('loadWeights rejects NaN and infinite weights', () => {
  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])(
    '%s: a typed error with the tensor, element and byte offset; the model keeps its weights',
    async (label, value) => {
      await setBackend('cpu');
      using source = lenet5({ seed: 1 });
      using model = lenet5({ seed: 2 });
      const before = Array.from(model.stateDict().get('classifier.0.weight')!.dataSync());
      const raw = new Map(
        [...source.stateDict()].map(([name, t]): [string, RawTensor] => [
          name,
          { dtype: 'float32', shape: t.shape, data: Float32Array.from(t.dataSync()) },
        ]),
      );
      (raw.get('classifier.0.weight')!.data as Float32Array)[5] = value;
      const bytes = encodeSafetensors(raw);
      const e = thrown(() => loadWeights(model, bytes));
      expect(e).toBeInstanceOf(WeightsFileError);
      expect((e as WeightsFileError).code).toBe('non-finite');
      expect((e as Error).message).toContain(
        `tensor 'classifier.0.weight': element 5 is ${label}; weights must be finite`,
      );
      // The offset points at the bad value: its four bytes decode to it.
      const at = (e as WeightsFileError).offset;
      const decoded = new DataView(bytes.buffer, bytes.byteOffset).getFloat32(at, true);
      expect(Object.is(decoded, value) || (Number.isNaN(decoded) && Number.isNaN(value))).toBe(true);
      expect(Array.from(model.stateDict().get('classifier.0.weight')!.dataSync())).toEqual(before);
    },
  );
});
