import { type Shape, fmtShape } from '@gradstream/core';
import type { GraphBuilder } from './graph.js';
import { flattenOrReshape } from './reshape.js';

/** A functional op between layers (`relu(x)`, `add(out, identity)`, `flatten(x, 1)`, `concat(branches, 1)`), as seen in the trace. */
export interface FunctionalOp {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly inputShapes: readonly Shape[];
  readonly outputShape: Shape;
  readonly where: string;
  readonly dynamicBatch: boolean;
}

const BINARY: Readonly<Record<string, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
};

const UNARY: Readonly<Record<string, string>> = {
  neg: 'Neg',
  abs: 'Abs',
  sign: 'Sign',
  sqrt: 'Sqrt',
  reciprocal: 'Reciprocal',
  exp: 'Exp',
  log: 'Log',
  sin: 'Sin',
  cos: 'Cos',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  floor: 'Floor',
  ceil: 'Ceil',
  // Both round half to even.
  round: 'Round',
};

/**
 * The ONNX nodes of one traced functional op, or undefined when the op
 * carries attributes the trace cannot see (a functional pool, softmax or
 * transpose: use the layer form) or has no ONNX counterpart.
 */
export function writeFunctional(graph: GraphBuilder, f: FunctionalOp): string | undefined {
  const [x, y] = f.inputs as [string, string | undefined];
  const binary = BINARY[f.op];
  if (binary && y !== undefined) return graph.node(binary, [x, y], f.where);
  const unary = UNARY[f.op];
  if (unary) return graph.node(unary, [x], f.where);
  switch (f.op) {
    case 'square':
      return graph.node('Mul', [x, x], f.where);
    case 'rsqrt':
      return graph.node('Reciprocal', [graph.node('Sqrt', [x], f.where)], f.where);
    case 'reshape':
      return flattenOrReshape(graph, f.where, x, f.inputShapes[0]!, f.outputShape, f.dynamicBatch, undefined);
    case 'concat': {
      const axis = concatAxis(f.inputShapes, f.outputShape);
      return axis === undefined ? undefined : graph.node('Concat', f.inputs, f.where, { axis });
    }
    default:
      return undefined;
  }
}

/** The one axis along which the inputs' sizes add up to the output's while every other axis agrees. */
function concatAxis(inputs: readonly Shape[], output: Shape): number | undefined {
  const axes = output
    .map((_, a) => a)
    .filter(
      (a) =>
        inputs.reduce((n, s) => n + s[a]!, 0) === output[a] &&
        inputs.every((s) => s.every((d, i) => i === a || d === output[i])),
    );
  return axes.length === 1 ? axes[0] : undefined;
}

/** "add of [2, 64, 8, 8], [2, 64, 8, 8]" for error messages. */
export function describeOp(op: string, shapes: readonly Shape[]): string {
  return `${op} of ${shapes.map(fmtShape).join(', ')}`;
}
