/**
 * Forcing completion: reading one element waits for the kernel that made the
 * tensor without timing a copy of the whole output.
 */
import * as gs from '@gradstream/core';
import * as tf from '@tensorflow/tfjs-core';

export function readOneGs(t: gs.Tensor): number {
  return gs.tidy(
    () =>
      gs
        .slice(
          t,
          t.shape.map(() => 0),
          t.shape.map(() => 1),
        )
        .dataSync()[0]!,
  );
}

export function readOneTf(t: tf.Tensor): number {
  return tf.tidy(
    () =>
      tf
        .slice(
          t,
          t.shape.map(() => 0),
          t.shape.map(() => 1),
        )
        .dataSync()[0]!,
  );
}
