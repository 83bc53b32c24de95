// assignParameter is the public way to re-initialize a built layer (models use it for torchvision's init recipes).
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import { ShapeError, tensor, zeros } from '@gradstream/core';
import { Linear, assignParameter } from '@gradstream/core/nn';

describe('assignParameter', () => {
  it('replaces the values in place: the module keeps the same tensor, the source is consumed', () => {
    const layer = new Linear(2, 1);
    const weight = layer.weight;
    const values = tensor([[3, -4]]);
    assignParameter(layer.weight, values);
    expect(layer.weight).toBe(weight);
    expect(layer.parameters()[0]).toBe(weight);
    expect(layer.weight.toArray()).toEqual([[3, -4]]);
    expect(layer.call(tensor([[1, 1]])).toArray()).toEqual([[-1 + (layer.bias!.toArray() as number[])[0]!]]);
    expect(values.isDisposed).toBe(true);
  });

  it('refuses values of another shape or dtype, naming both', () => {
    const layer = new Linear(2, 1);
    expect(() => assignParameter(layer.weight, zeros([2, 1]))).toThrow(ShapeError);
    expect(() => assignParameter(layer.weight, zeros([1, 2], 'float64'))).toThrow(/\[1,2\] float32.*\[1,2\] float64/);
  });
});
