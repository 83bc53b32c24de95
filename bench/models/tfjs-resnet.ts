/**
 * ResNet-18 as @gradstream/models builds it (torchvision's BasicBlock layout;
 * 'cifar' = 3×3 stride-1 stem without max pool), from tfjs-core ops in NHWC.
 * Training mode normalizes with batch statistics (running averages are not
 * kept: they cost a few elementwise ops and change no timing that matters).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ConvFn } from '../tfjs-composed.js';
import { heNormal, onesVar, zerosVar, type TfModel } from './tfjs-params.js';

type Layer = (x: tf.Tensor4D) => tf.Tensor4D;

function batchNorm(ch: number, training: boolean, vars: tf.Variable[]): Layer {
  const gamma = onesVar<tf.Rank.R1>([ch]);
  const beta = zerosVar<tf.Rank.R1>([ch]);
  vars.push(gamma, beta);
  const runningMean = tf.zeros([ch]) as tf.Tensor1D;
  const runningVar = tf.ones([ch]) as tf.Tensor1D;
  return (x) => {
    const { mean, variance } = training ? tf.moments(x, [0, 1, 2]) : { mean: runningMean, variance: runningVar };
    return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta, gamma, 1e-5);
  };
}

function convLayer(
  conv: ConvFn,
  cin: number,
  cout: number,
  k: number,
  stride: number,
  pad: number,
  vars: tf.Variable[],
): Layer {
  const w = heNormal<tf.Rank.R4>([k, k, cin, cout], k * k * cin);
  vars.push(w);
  return (x) => conv(x, w, stride, pad);
}

function basicBlock(
  conv: ConvFn,
  cin: number,
  cout: number,
  stride: number,
  training: boolean,
  vars: tf.Variable[],
): Layer {
  const c1 = convLayer(conv, cin, cout, 3, stride, 1, vars);
  const b1 = batchNorm(cout, training, vars);
  const c2 = convLayer(conv, cout, cout, 3, 1, 1, vars);
  const b2 = batchNorm(cout, training, vars);
  const down =
    stride !== 1 || cin !== cout
      ? [convLayer(conv, cin, cout, 1, stride, 0, vars), batchNorm(cout, training, vars)]
      : undefined;
  return (x) => {
    const y = b2(c2(tf.relu(b1(c1(x)))));
    const shortcut = down ? down[1]!(down[0]!(x)) : x;
    return tf.relu(tf.add<tf.Tensor4D>(y, shortcut));
  };
}

export function tfResnet18(
  conv: ConvFn,
  options: { variant: 'cifar' | 'imagenet'; numClasses: number; training: boolean },
): TfModel {
  const vars: tf.Variable[] = [];
  const cifar = options.variant === 'cifar';
  const stem = cifar ? convLayer(conv, 3, 64, 3, 1, 1, vars) : convLayer(conv, 3, 64, 7, 2, 3, vars);
  const bn1 = batchNorm(64, options.training, vars);
  const blocks: Layer[] = [];
  let cin = 64;
  [64, 128, 256, 512].forEach((planes, i) => {
    blocks.push(basicBlock(conv, cin, planes, i === 0 ? 1 : 2, options.training, vars));
    blocks.push(basicBlock(conv, planes, planes, 1, options.training, vars));
    cin = planes;
  });
  const fcW = heNormal<tf.Rank.R2>([512, options.numClasses], 512);
  const fcB = zerosVar<tf.Rank.R1>([options.numClasses]);
  vars.push(fcW, fcB);
  return {
    variables: vars,
    forward(x) {
      let y = tf.relu(bn1(stem(x)));
      if (!cifar) y = tf.maxPool(y, 3, 2, 1);
      for (const block of blocks) y = block(y);
      return tf.add(tf.matMul(tf.mean(y, [1, 2]) as tf.Tensor2D, fcW), fcB);
    },
  };
}
