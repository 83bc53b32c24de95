/** LeNet-5 as @gradstream/models builds it, from tfjs-core ops in NHWC. */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvFn } from '../tfjs-composed.js';
import { heNormal, zerosVar, type TfModel } from './tfjs-params.js';

export function tfLenet5(conv: ConvFn): TfModel {
  const c1w = heNormal<tf.Rank.R4>([5, 5, 1, 6], 25);
  const c1b = zerosVar([6]);
  const c2w = heNormal<tf.Rank.R4>([5, 5, 6, 16], 150);
  const c2b = zerosVar([16]);
  const f1w = heNormal<tf.Rank.R2>([400, 120], 400);
  const f1b = zerosVar([120]);
  const f2w = heNormal<tf.Rank.R2>([120, 84], 120);
  const f2b = zerosVar([84]);
  const f3w = heNormal<tf.Rank.R2>([84, 10], 84);
  const f3b = zerosVar([10]);
  return {
    variables: [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b, f3w, f3b],
    forward(x) {
      let y = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(conv(x, c1w, 1, 2), c1b)), 2, 2, 'valid');
      y = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(conv(y, c2w, 1, 0), c2b)), 2, 2, 'valid');
      let h = tf.reshape<tf.Rank.R2>(y, [x.shape[0], 400]);
      h = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(h, f1w), f1b));
      h = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(h, f2w), f2b));
      return tf.add<tf.Tensor2D>(tf.matMul(h, f3w), f3b);
    },
  };
}
