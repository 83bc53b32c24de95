import { describe, expect, it } from 'vitest';
import { backend, put, take } from './helpers.js';

describe('zero-size tensors', () => {
  it('flow through elementwise, layout and matmul', () => {
    const e = put([], [2, 0, 3]);
    const row = put([1, 2, 3], [3]);
    const sum = backend.binary('add', e, row);
    expect(sum.shape).toEqual([2, 0, 3]);
    expect(take(sum)).toEqual([]);
    const t = backend.transpose(e, [2, 0, 1]);
    expect(t.shape).toEqual([3, 2, 0]);
    expect(take(t)).toEqual([]);
    const r = backend.reduce('sum', e, [1]);
    expect(r.shape).toEqual([2, 3]);
    expect(take(r)).toEqual([0, 0, 0, 0, 0, 0]);
    const a = put([], [1, 2, 0]);
    const b = put([], [1, 0, 2]);
    const m = backend.matmul(a, b, false, false);
    expect(m.shape).toEqual([1, 2, 2]);
    expect(take(m)).toEqual([0, 0, 0, 0]);
    take(e);
    take(row);
    take(a);
    take(b);
    expect(backend.memory()).toEqual({ bytes: 0, buffers: 0 });
  });
});
