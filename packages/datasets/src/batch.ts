/**
 * A batch before it becomes tensors: N×C×H×W floats and N int labels. Each
 * batch owns freshly allocated arrays, so transforms may modify them in place.
 */
export interface BatchArrays {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly shape: readonly [n: number, c: number, h: number, w: number];
}
