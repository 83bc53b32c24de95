/**
 * Decodes an IEEE 754 binary16 bit pattern (safetensors `F16`).
 *
 * @example
 * ```ts
 * float16ToNumber(0x3c00); // 1
 * float16ToNumber(0x0001); // 2 ** -24 (smallest subnormal)
 * ```
 */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const scratch = new DataView(new ArrayBuffer(4));

/**
 * Decodes a bfloat16 bit pattern (safetensors `BF16`): the top half of a
 * float32, so widening is exact.
 *
 * @example
 * ```ts
 * bfloat16ToNumber(0x3f80); // 1
 * bfloat16ToNumber(0x4049); // 3.140625
 * ```
 */
export function bfloat16ToNumber(bits: number): number {
  scratch.setUint32(0, (bits & 0xffff) << 16);
  return scratch.getFloat32(0);
}
