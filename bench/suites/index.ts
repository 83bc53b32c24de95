import type { Suite } from './suite.js';
import { matmulSuite } from './matmul.js';
import { convSuite } from './conv.js';
import { trainSuite } from './train.js';
import { resnetSuite } from './resnet.js';
import { randomSuite } from './random.js';

/** Suites made of timed cases, in the order `pnpm bench` runs them. */
export const SUITES: Readonly<Record<string, Suite>> = {
  matmul: matmulSuite,
  conv: convSuite,
  train: trainSuite,
  resnet: resnetSuite,
  random: randomSuite,
};
