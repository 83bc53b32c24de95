import * as tf from '@tensorflow/tfjs-core';

/** A model written directly in tfjs-core ops: its trainable variables and a forward pass. */
export interface TfModel {
  readonly variables: tf.Variable[];
  forward(x: tf.Tensor4D): tf.Tensor2D;
}

/** He-normal weights keep activations in range, so no step runs on denormals or NaNs. */
export function heNormal<R extends tf.Rank>(shape: number[], fanIn: number): tf.Variable<R> {
  return tf.variable(tf.randomNormal<R>(shape as tf.ShapeMap[R], 0, Math.sqrt(2 / fanIn)));
}

export function zerosVar<R extends tf.Rank>(shape: number[]): tf.Variable<R> {
  return tf.variable(tf.zeros<R>(shape as tf.ShapeMap[R]));
}

export function onesVar<R extends tf.Rank>(shape: number[]): tf.Variable<R> {
  return tf.variable(tf.ones<R>(shape as tf.ShapeMap[R]));
}
