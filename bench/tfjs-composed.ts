/**
 * tfjs-wasm has no Conv2DBackpropFilter kernel, so it cannot train a CNN as
 * shipped. To compare training at all, its filter gradient is written with
 * kernels it does have, as fast as they allow: the filter gradient of a
 * convolution is itself a convolution, of the input with dy as the filter
 * (the batch becomes the reduction channels, the channels the batch, the
 * stride the dilation), so it runs on tfjs-wasm's own XNNPACK conv2d between
 * transposes.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a row that trains through `convFilterGrad` is labelled: not a native
 * kernel, though built from tfjs-wasm's own convolution.
 */
export const COMPOSED_NOTE = 'filter grad via its conv2d';

/** Whether `backend` ships the kernel (tfjs-wasm 4.22 does not). */
export function hasFilterGradKernel(backend: string): boolean {
  return tf.getKernel('Conv2DBackpropFilter', backend) !== undefined;
}

/**
 * dW (kh×kw×C×O) of an NHWC convolution with equal stride and padding on both
 * axes: dW[i, j, c, o] = Σ_{n,y,x} X[n, y·s + i − p, x·s + j − p, c] · dY[n, y, x, o],
 * which is conv2d(Xᵀ [C, H, W, N], dYᵀ [oh, ow, N, O], stride 1, pad p,
 * dilation s), cut to kh×kw when the input has rows the forward never reached.
 */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  stride: number,
  pad: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, c, o] = filterShape;
    const xt = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    const g = tf.conv2d(xt, filter, 1, pad, 'NHWC', stride);
    const cut = g.shape[1] === kh && g.shape[2] === kw ? g : tf.slice(g, [0, 0, 0, 0], [c, kh, kw, o]);
    return tf.transpose(cut, [1, 2, 0, 3]) as tf.Tensor4D;
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

/** tf.conv2d whose filter gradient is `convFilterGrad` (the input gradient stays the native Conv2DBackpropInput). */
export const composedConv: ConvFn = (x, w, stride, pad) =>
  tf.customGrad<tf.Tensor4D>((...args) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, wi]);
    return {
      value: tf.conv2d(xi, wi, stride, pad),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [tf.conv2dTranspose(dy, ws, xs.shape, stride, pad), convFilterGrad(xs, dy, ws.shape, stride, pad)];
      },
    };
  })(x, w);
