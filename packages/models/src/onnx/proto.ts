import onnxProto from 'onnx-proto';

/**
 * The generated classes of the official onnx.proto (package `onnx-proto`,
 * protobufjs). Everything that writes protobuf goes through them; nothing
 * here encodes a varint by hand.
 */
export const { onnx } = onnxProto;

export type AttributeValue = number | readonly number[] | string | { readonly float: number };

/** A node attribute; integers are INT/INTS, `{ float }` is FLOAT. */
export function attribute(name: string, value: AttributeValue): InstanceType<typeof onnx.AttributeProto> {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value });
    return onnx.AttributeProto.create({ name, type: A.INT, i: value });
  }
  if ('float' in value) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: A.INTS, ints: [...value] });
}

/** A float32 or int64 initializer holding `values` in raw little-endian bytes. */
export function tensorProto(
  name: string,
  dims: readonly number[],
  values: Float32Array | BigInt64Array,
): InstanceType<typeof onnx.TensorProto> {
  const T = onnx.TensorProto.DataType;
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return onnx.TensorProto.create({
    name,
    dims: [...dims],
    dataType: values instanceof Float32Array ? T.FLOAT : T.INT64,
    // A copy: the array may view storage a backend reuses.
    rawData: bytes.slice(),
  });
}

/** A float32 graph input or output; `null` dims become the symbolic dimension `batch`. */
export function valueInfo(name: string, dims: readonly (number | null)[]): InstanceType<typeof onnx.ValueInfoProto> {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })) },
      },
    },
  });
}
