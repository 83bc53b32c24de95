import { type Tensor, traceOps } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import { OnnxExportError, describeModule } from './errors.js';
import { describeOp, writeFunctional } from './functional.js';
import type { GraphBuilder } from './graph.js';
import { layerExporter } from './layers.js';

/** A call of a layer ONNX has a node for, seen while the forward ran. */
interface LayerCall {
  readonly kind: 'layer';
  readonly module: Module;
  readonly path: string;
  readonly input: Tensor;
  readonly output: Tensor;
}

/** A functional op recorded by the tape outside every such layer. */
interface OpCall {
  readonly kind: 'op';
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

/** The tensor ids a module call created: (after, last]; ids only grow. */
interface CallSpan {
  readonly path: string;
  readonly module: Module;
  readonly after: number;
  readonly last: number;
}

/**
 * Refuses, before running anything, a module that is neither a layer with an
 * ONNX node nor a container of such (a leaf whose forward the trace cannot
 * map, e.g. LocallyConnected2d): the error names its path and class.
 */
export function checkSupported(model: Module): void {
  const visit = (m: Module, path: string): void => {
    if (layerExporter(m)) return;
    const children = m.namedChildren();
    if (children.length === 0) {
      const cls = m.constructor.name;
      throw new OnnxExportError(
        'unsupported-module',
        path,
        cls,
        `${describeModule(path, cls)} has no ONNX mapping; supported layers: convolutions (1-D/2-D/3-D, transposed), Linear, BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, LocalResponseNorm (odd size), max/average/Lp/adaptive/global pools, ReLU, LeakyReLU, Tanh, Sigmoid, Softmax, LogSoftmax, Flatten, Dropout (1-D/2-D/3-D), Identity, and containers of them`,
      );
    }
    for (const [name, child] of children) visit(child, path ? `${path}.${name}` : name);
  };
  visit(model, '');
}

/**
 * Runs `model.call(x)` once with every module's `call` wrapped (restored
 * afterwards) and the tape recording, then writes the graph from the output
 * back to `x`: a tensor made by a mapped layer becomes that layer's node(s)
 * (the ops inside it are never looked at); any other tensor is the output of
 * a functional op from the tape, or a constant or parameter (initializer).
 * Walking back from the output drops whatever the result does not depend on.
 */
export function traceGraph(
  model: Module,
  x: Tensor,
  inputName: string,
  graph: GraphBuilder,
  dynamicBatch: boolean,
): { output: string; outputShape: readonly number[] } {
  const producers = new Map<Tensor, LayerCall | OpCall>();
  const spans: CallSpan[] = [];
  let maxSeen = x.id;
  const restore: Module[] = [];
  const wrap = (m: Module, path: string): void => {
    const original = m.call.bind(m);
    const mapped = layerExporter(m) !== undefined;
    m.call = (input: Tensor): Tensor => {
      maxSeen = Math.max(maxSeen, input.id);
      const after = maxSeen;
      const output = original(input);
      maxSeen = Math.max(maxSeen, output.id);
      spans.push({ path, module: m, after, last: maxSeen });
      if (mapped && output !== input) producers.set(output, { kind: 'layer', module: m, path, input, output });
      return output;
    };
    restore.push(m);
    if (mapped) return;
    for (const [name, child] of m.namedChildren()) wrap(child, path ? `${path}.${name}` : name);
  };
  wrap(model, '');
  try {
    return traceOps(
      [x],
      () => model.call(x),
      (output, ops) => {
        for (const op of ops) if (!producers.has(op.output)) producers.set(op.output, { kind: 'op', ...op });
        const names = new Map<Tensor, string>([[x, inputName]]);
        const ownerOf = (t: Tensor): CallSpan | undefined =>
          spans
            .filter((s) => t.id > s.after && t.id <= s.last)
            .reduce<CallSpan | undefined>(
              (inner, s) => (!inner || s.last - s.after < inner.last - inner.after ? s : inner),
              undefined,
            );
        const nameOf = (t: Tensor): string => {
          const known = names.get(t);
          if (known !== undefined) return known;
          const made = producers.get(t);
          let name: string;
          if (!made) name = graph.tensor(t, 'constant');
          else if (made.kind === 'layer') {
            const xName = nameOf(made.input);
            name = layerExporter(made.module)!({
              module: made.module,
              path: made.path,
              graph,
              x: xName,
              xShape: made.input.shape,
              yShape: made.output.shape,
              dynamicBatch,
            });
          } else {
            const inputs = made.inputs.map(nameOf);
            const owner = ownerOf(made.output);
            const where = owner?.path ?? '';
            const written = writeFunctional(graph, {
              op: made.op,
              inputs,
              inputShapes: made.inputs.map((i) => i.shape),
              outputShape: made.output.shape,
              where,
              dynamicBatch,
            });
            if (written === undefined) {
              const cls = (owner?.module ?? model).constructor.name;
              throw new OnnxExportError(
                'unsupported-op',
                where,
                cls,
                `${describeModule(where, cls)} applies ${describeOp(
                  made.op,
                  made.inputs.map((i) => i.shape),
                )} in its forward, which has no ONNX mapping (use the layer form of pools, softmax and activations)`,
              );
            }
            name = written;
          }
          names.set(t, name);
          return name;
        };
        return { output: nameOf(output), outputShape: output.shape };
      },
    );
  } finally {
    for (const m of restore) Reflect.deleteProperty(m, 'call');
  }
}
