import { type Shape, fmtShape, sizeOf } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import { OnnxExportError, describeModule } from './errors.js';
import type { GraphBuilder } from './graph.js';

/**
 * A reshape seen in the trace, written so the batch dimension stays free:
 * Flatten for [N, …] → [N, rest], otherwise Reshape with 0 ("copy the input's
 * dim") in the batch position. A reshape that mixes the batch into other
 * dims cannot keep it symbolic and is refused when the batch is dynamic.
 */
export function flattenOrReshape(
  graph: GraphBuilder,
  where: string,
  x: string,
  xShape: Shape,
  yShape: Shape,
  dynamicBatch: boolean,
  owner: Module | undefined,
): string {
  if (xShape.length === yShape.length && xShape.every((d, i) => d === yShape[i])) return x;
  if (yShape.length === 2 && yShape[0] === xShape[0] && yShape[1] === sizeOf(xShape.slice(1)))
    return graph.node('Flatten', [x], where, { axis: 1 });
  if (!dynamicBatch) return graph.node('Reshape', [x, graph.int64s(`${where}.shape`, yShape)], where);
  if (yShape[0] !== xShape[0]) {
    const cls = owner?.constructor.name ?? 'reshape';
    throw new OnnxExportError(
      'dynamic-batch',
      where,
      cls,
      `${describeModule(where, cls)} reshapes ${fmtShape(xShape)} to ${fmtShape(yShape)}, moving the batch dimension; export with dynamicBatch: false to fix the batch size`,
    );
  }
  return graph.node('Reshape', [x, graph.int64s(`${where}.shape`, [0, ...yShape.slice(1)])], where);
}
