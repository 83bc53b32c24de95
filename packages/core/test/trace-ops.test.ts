import { describe, expect, it } from 'vitest';
import '@gradstream/backend-cpu';
import { add, concat, flatten, mul, relu, sum, tensor, traceOps, variableGrads } from '@gradstream/core';

describe('traceOps', () => {
  it('records the ops on watched tensors in order, with operands and results, and not those on constants', () => {
    const x = tensor([
      [1, -2],
      [3, -4],
    ]);
    const c = tensor([10, 20]);
    const unrelated = mul(c, 2);
    const seen = traceOps(
      [x],
      () => flatten(concat([relu(x), add(x, c)], 1)),
      (out, ops) => ({
        ops: ops.map((o) => o.op),
        concatInputs: ops.find((o) => o.op === 'concat')!.inputs.map((t) => t.shape),
        addHasConstant: ops.find((o) => o.op === 'add')!.inputs.includes(c),
        last: ops.at(-1)!.output === out,
        values: out.toArray(),
      }),
    );
    expect(seen).toEqual({
      ops: ['relu', 'add', 'concat', 'reshape'],
      concatInputs: [
        [2, 2],
        [2, 2],
      ],
      addHasConstant: true,
      last: true,
      values: [
        [1, 0, 11, 18],
        [3, 0, 13, 16],
      ],
    });
    expect(unrelated.toArray()).toEqual([20, 40]);
  });

  it('stops recording when it returns, even when fn throws', () => {
    const x = tensor([1, 2]);
    expect(() =>
      traceOps(
        [x],
        () => {
          throw new Error('boom');
        },
        () => 0,
      ),
    ).toThrow('boom');
    expect(
      traceOps(
        [x],
        () => x,
        (_, ops) => ops.length,
      ),
    ).toBe(0);
  });
});

describe('recycled tapes', () => {
  // Tapes are reused from one gradient or trace to the next (autograd/tape.ts); a reused tape
  // must start empty, or ops on tensors an earlier call watched would be recorded again.
  it('forget what an earlier trace or gradient watched', () => {
    const earlier = tensor([1, 2]);
    const later = tensor([3, 4]);
    traceOps(
      [earlier],
      () => relu(earlier),
      () => undefined,
    );
    variableGrads(() => sum(mul(earlier, earlier)), [earlier]);
    const ops = traceOps(
      [later],
      () => add(later, mul(earlier, 3)),
      (_, recorded) => recorded.map((o) => o.op),
    );
    expect(ops).toEqual(['add']);
  });

  it('record afresh in nested gradients after reuse', () => {
    const x = tensor([0.5, -1.5]);
    const second = () =>
      variableGrads(() => sum(variableGrads(() => sum(mul(mul(x, x), x)), [x]).grads[0]!), [x]).grads[0]!.toArray();
    // d/dx Σ 3x² = 6x, the same on the first call and after its tapes were recycled.
    expect(second()).toEqual([3, -9]);
    expect(second()).toEqual([3, -9]);
  });
});
