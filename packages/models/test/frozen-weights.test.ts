// Frozen parameters in summary (trainable against frozen counts) and in
// safetensors files: the names listed under one metadata key, restored on
// load, the tensors themselves unchanged (torchvision names, same bytes).
import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import {
  FROZEN_METADATA_KEY,
  decodeSafetensors,
  encodeSafetensors,
  formatSummary,
  lenet5,
  loadWeights,
  summary,
  weightsToBytes,
} from '@gradstream/models';

/** The JSON header of a safetensors file, read by hand: 8-byte little-endian length, then JSON. */
function header(bytes: Uint8Array): Record<string, unknown> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
}

describe('frozen parameters', () => {
  it('summary counts trainable and frozen parameters and prints both', () => {
    using model = lenet5();
    model.features.freeze();
    const s = summary(model, [1, 1, 28, 28]);
    // conv1 6·25 + 6, conv2 16·6·25 + 16.
    expect(s.frozenParams).toBe(156 + 2416);
    expect(s.trainableParams).toBe(61_706 - 2572);
    expect(s.totalParams).toBe(61_706);
    const table = formatSummary(s);
    expect(table).toContain('Trainable:    59,134');
    expect(table).toContain('Frozen:       2,572');
  });

  it('weightsToBytes lists the frozen names under one metadata key and changes nothing else', () => {
    using plain = lenet5({ seed: 1 });
    using frozen = lenet5({ seed: 1 });
    frozen.features.children()[0]!.freeze();
    const a = weightsToBytes(plain, { epoch: '3' });
    const b = weightsToBytes(frozen, { epoch: '3' });
    expect(header(a).__metadata__).toEqual({ epoch: '3' });
    expect(header(b).__metadata__).toEqual({
      epoch: '3',
      [FROZEN_METADATA_KEY]: '["features.0.weight","features.0.bias"]',
    });
    const ta = decodeSafetensors(a).tensors;
    const tb = decodeSafetensors(b).tensors;
    expect([...tb.keys()]).toEqual([...ta.keys()]);
    for (const [name, t] of ta) expect(Buffer.from(tb.get(name)!.data.buffer)).toEqual(Buffer.from(t.data.buffer));
    expect(header(weightsToBytes(plain)).__metadata__).toBeUndefined();
  });

  it('loading restores requiresGrad from the file; a file without the key leaves the flags alone', () => {
    using source = lenet5({ seed: 2 });
    source.classifier.freeze();
    using target = lenet5({ seed: 3 });
    loadWeights(target, weightsToBytes(source));
    expect(target.namedParameters().map(([n, p]) => [n, p.requiresGrad])).toEqual(
      source.namedParameters().map(([n, p]) => [n, p.requiresGrad]),
    );
    // The listed names are the whole truth for the parameters the file holds: conv1 frozen, the rest trainable.
    source.unfreeze().features.children()[0]!.freeze();
    loadWeights(target, weightsToBytes(source));
    expect(target.trainableParameters().length).toBe(8);
    expect(target.features.children()[0]!.trainableParameters()).toEqual([]);
    target.unfreeze().features.freeze();
    const torchStyle = encodeSafetensors(
      new Map(
        [...source.stateDict()].map(([n, t]) => [
          n,
          { dtype: 'float32' as const, shape: t.shape, data: t.dataSync() as Float32Array },
        ]),
      ),
    );
    loadWeights(target, torchStyle);
    expect(target.trainableParameters().length).toBe(6);
  });

  it('a malformed frozen list is the file’s error, before any parameter changes', () => {
    using model = lenet5({ seed: 4 });
    const before = [...model.parameters()[0]!.dataSync()];
    using other = lenet5({ seed: 5 });
    const bytes = weightsToBytes(other, { [FROZEN_METADATA_KEY]: 'not json' });
    // weightsToBytes writes the key only for frozen parameters; the caller's value is kept when none is.
    expect(() => loadWeights(model, bytes)).toThrow(/gradstream\.frozen/);
    expect([...model.parameters()[0]!.dataSync()]).toEqual(before);
  });
});
