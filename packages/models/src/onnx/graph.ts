import type { Tensor } from '@gradstream/core';
import { type AttributeValue, attribute, onnx, tensorProto } from './proto.js';

type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/**
 * The graph being written: nodes in topological order, initializers, and
 * unique value names. Parameters become initializers under their state-dict
 * names (`features.0.weight`), so an ONNX file reads like the safetensors one.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private readonly taken = new Set<string>();
  private readonly stored = new Map<Tensor, string>();

  constructor(
    readonly opset: number,
    private readonly parameterNames: ReadonlyMap<Tensor, string>,
  ) {}

  /** `base`, or `base_1`, `base_2`, … when taken. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }

  /** Appends a node; returns the name of its (single) output. */
  node(opType: string, inputs: readonly string[], where: string, attrs: Record<string, AttributeValue> = {}): string {
    const name = this.unique(`${where}/${opType}`);
    const output = this.unique(`${name}:0`);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name,
        input: [...inputs],
        output: [output],
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return output;
  }

  /** A tensor of the model as a float32 initializer (once, however often it is used). */
  tensor(t: Tensor, fallbackName: string): string {
    const known = this.stored.get(t);
    if (known) return known;
    const name = this.unique(this.parameterNames.get(t) ?? fallbackName);
    const data = t.dataSync();
    this.initializers.push(
      tensorProto(name, t.shape, data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>)),
    );
    this.stored.set(t, name);
    return name;
  }

  /** A float32 constant made here (pool matrices, a BatchNorm's unit scale). */
  floats(base: string, dims: readonly number[], values: Float32Array): string {
    const name = this.unique(base);
    this.initializers.push(tensorProto(name, dims, values));
    return name;
  }

  /** An int64 constant (Reshape's target shape). */
  int64s(base: string, values: readonly number[]): string {
    const name = this.unique(base);
    this.initializers.push(
      tensorProto(
        name,
        [values.length],
        BigInt64Array.from(values, (v) => BigInt(v)),
      ),
    );
    return name;
  }
}
