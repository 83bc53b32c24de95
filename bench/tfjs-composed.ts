/**
 * tfjs-wasm has no Conv2DBackpropFilter kernel, so it cannot train a CNN as
 * shipped. To compare training at all, its filter gradient is composed from
 * kernels it does have: im2col by one strided slice per kernel offset,
 * concatenated, then a single matMul with dy.
 */
import * as tf from '@tensorflow/tfjs-core';

/** How a row that trains through `composedFilterGrad` is labelled, so no ratio against it passes for one against a real kernel. */
export const COMPOSED_NOTE = 'composed filter grad';

/** Whether `backend` ships the kernel (tfjs-wasm 4.22 does not). */
export function hasFilterGradKernel(backend: string): boolean {
  return tf.getKernel('Conv2DBackpropFilter', backend) !== undefined;
}

/** dW (kh×kw×C×O) of an NHWC convolution with equal stride and padding on both axes. */
export function composedFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, o] = filterShape;
    const [n, oh, ow] = dy.shape;
    // Columns are built as (kh·kw·C) × (N·oh·ow), so the product needs no transposeA:
    // tfjs-wasm's matMul drops to a slow loop (≈4× slower here) when that flag is set.
    const xt = tf.pad(tf.transpose(x, [3, 0, 1, 2]), [
      [0, 0],
      [0, 0],
      [pad, pad],
      [pad, pad],
    ]);
    const cols: tf.Tensor4D[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        cols.push(
          stride === 1
            ? tf.slice(xt, [0, 0, i, j], [c, n, oh, ow])
            : (tf.stridedSlice(
                xt,
                [0, 0, i, j],
                [c, n, i + (oh - 1) * stride + 1, j + (ow - 1) * stride + 1],
                [1, 1, stride, stride],
              ) as tf.Tensor4D),
        );
      }
    }
    const patches = tf.reshape(cols.length === 1 ? cols[0]! : tf.concat(cols, 0), [kh * kw * c, n * oh * ow]);
    return tf.reshape(tf.matMul(patches, tf.reshape(dy, [n * oh * ow, o])), [kh, kw, c, o]);
  });
}

/** The native filter gradient (tfjs-cpu has the kernel). */
export function nativeFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf
    .engine()
    .runKernel(
      'Conv2DBackpropFilter',
      { x, dy },
      { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape: [...filterShape] },
    ) as tf.Tensor4D;
}

export type ConvFn = (x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number) => tf.Tensor4D;

/** tf.conv2d with its usual gradient, for backends that have every conv kernel. */
export const nativeConv: ConvFn = (x, w, stride, pad) => tf.conv2d(x, w, stride, pad);

/** tf.conv2d whose filter gradient is composed (input gradient stays the native Conv2DBackpropInput). */
export const composedConv: ConvFn = (x, w, stride, pad) =>
  tf.customGrad<tf.Tensor4D>((...args) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, stride, pad),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [tf.conv2dTranspose(dy, ws, xs.shape, stride, pad), composedFilterGrad(xs, dy, ws.shape, stride, pad)];
      },
    };
  })(x, w);
