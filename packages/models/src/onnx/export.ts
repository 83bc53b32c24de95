import { type Shape, type Tensor, checkOptions, fmtShape, randn, tidy } from '@gradstream/core';
import type { Module } from '@gradstream/core/nn';
import { OnnxExportError } from './errors.js';
import { GraphBuilder } from './graph.js';
import { onnx, valueInfo } from './proto.js';
import { checkSupported, traceGraph } from './trace.js';

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** Shape of one input batch, N×C×… (the forward runs once on random data of this shape). */
  readonly inputShape: Shape;
  /** ONNX operator set, 17 (default) to 22. */
  readonly opset?: number;
  /** Leave the batch dimension symbolic ('batch') in the input and output (default true). */
  readonly dynamicBatch?: boolean;
  /** Graph input name (default 'input'). */
  readonly inputName?: string;
  /** Graph output name (default 'output'). */
  readonly outputName?: string;
}

/** The oldest IR version each opset needs (onnx/helper.py's VERSION_TABLE). */
const IR_VERSION: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10 };

/**
 * The model's eval-mode forward as an ONNX `ModelProto` (bytes of a `.onnx`
 * file). Parameters and running statistics become float32 initializers
 * named as in the state dict; the input is float32 `inputShape` with the
 * batch dimension symbolic unless `dynamicBatch` is false. The model's
 * training flags are restored afterwards.
 *
 * Throws OnnxExportError naming the module path and class of a layer with
 * no ONNX mapping (before any forward runs) or of a module whose forward
 * applies a functional op the exporter cannot write.
 *
 * @example
 * ```ts
 * const bytes = exportOnnx(resnet18({ numClasses: 10 }), { inputShape: [1, 3, 224, 224] });
 * // Node: writeFileSync('resnet18.onnx', bytes); browser: new Blob([bytes])
 * ```
 */
export function exportOnnx(model: Module, options: ExportOnnxOptions): Uint8Array {
  checkOptions('exportOnnx', options, ['inputShape', 'opset', 'dynamicBatch', 'inputName', 'outputName']);
  const opset = options.opset ?? 17;
  const irVersion = IR_VERSION[opset];
  const rootClass = model.constructor.name;
  if (irVersion === undefined)
    throw new OnnxExportError('bad-option', '', rootClass, `opset must be an integer from 17 to 22, got ${opset}`);
  const shape = options.inputShape;
  if (shape.length < 2 || shape.some((d) => !Number.isInteger(d) || d < 1))
    throw new OnnxExportError(
      'bad-option',
      '',
      rootClass,
      `inputShape must be N×C×… with positive integer sizes, got ${fmtShape(shape)}`,
    );
  const dynamicBatch = options.dynamicBatch ?? true;
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  checkSupported(model);

  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return tidy(() => {
      const names = new Map<Tensor, string>();
      for (const [name, t] of model.stateDict()) names.set(t, name);
      const graph = new GraphBuilder(opset, names);
      graph.unique(inputName);
      const { output, outputShape } = traceGraph(model, randn([...shape]), inputName, graph, dynamicBatch);
      // The graph output gets its requested name through a final Identity.
      graph.nodes.push(
        onnx.NodeProto.create({ opType: 'Identity', name: 'output/Identity', input: [output], output: [outputName] }),
      );
      const batchDim = (dims: readonly number[]): (number | null)[] =>
        dims.map((d, i) => (i === 0 && dynamicBatch ? null : d));
      const model_ = onnx.ModelProto.create({
        irVersion,
        opsetImport: [{ domain: '', version: opset }],
        producerName: 'gradstream',
        graph: {
          name: rootClass,
          node: graph.nodes,
          initializer: graph.initializers,
          input: [valueInfo(inputName, batchDim(shape))],
          output: [valueInfo(outputName, batchDim(outputShape))],
        },
      });
      return onnx.ModelProto.encode(model_).finish();
    });
  } finally {
    for (const [m, training] of modes) m.train(training);
  }
}
