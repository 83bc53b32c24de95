import { expect } from 'vitest';
import { memory, randn, sum, variableGrads, type Tensor } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';

/** Elements in every parameter, from their shapes. */
export function countParams(model: Module): number {
  return model.parameters().reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** Shape of each state-dict entry by name. */
export function shapes(model: Module): Map<string, readonly number[]> {
  return new Map([...model.stateDict()].map(([k, t]) => [k, t.shape]));
}

/** Expects each named tensor to exist with the torchvision shape. */
export function expectShapes(model: Module, expected: Record<string, readonly number[]>): void {
  const actual = shapes(model);
  for (const [name, shape] of Object.entries(expected)) expect([name, actual.get(name)]).toEqual([name, shape]);
}

/**
 * One forward and backward pass on random input: checks the output shape,
 * that every parameter gets a gradient of its own shape, that the last
 * parameter's gradient is finite, and that nothing leaks.
 */
export function expectTrains(
  model: Module,
  inputShape: readonly number[],
  outputShape: readonly number[],
  forward: (x: Tensor) => Tensor = (x) => model.call(x),
): void {
  const before = memory().numTensors;
  const params = model.parameters();
  const x = randn(inputShape);
  let out: readonly number[] = [];
  const { value, grads } = variableGrads(() => {
    const y = forward(x);
    out = y.shape;
    return sum(y);
  }, params);
  expect(out).toEqual(outputShape);
  expect(grads.map((g) => g.shape)).toEqual(params.map((p) => p.shape));
  expect(Array.from(grads.at(-1)!.dataSync()).every(Number.isFinite)).toBe(true);
  for (const t of [x, value, ...grads]) t.dispose();
  expect(memory().numTensors).toBe(before);
}
