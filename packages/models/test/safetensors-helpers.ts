/** Builds a safetensors file from a raw header object and data bytes, valid or not. */
export function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthOverride ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of 16-bit patterns. */
export function u16Bytes(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(2 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setUint16(2 * i, v, true);
  });
  return out;
}

/** Little-endian bytes of int64 values. */
export function i64Bytes(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(8 * values.length);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(8 * i, v, true);
  });
  return out;
}
