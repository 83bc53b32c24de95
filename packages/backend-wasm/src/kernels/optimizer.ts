import { type OptimizerStepEntry, type OptimizerStepResult, type OptimizerStepRule, sizeOf } from '@gradstream/core';
import * as Op from '../../assembly/opcodes.js';
import type { TensorStore } from '../tensor-store.js';

/** The flags both step kernels share. */
function commonFlags(rule: OptimizerStepRule, entry: OptimizerStepEntry): number {
  return (
    (rule.maximize ? Op.OPT_MAXIMIZE : 0) |
    (rule.weightDecay !== 0 ? Op.OPT_WEIGHT_DECAY : 0) |
    (entry.state.length > 0 ? Op.OPT_STATE : 0)
  );
}

/**
 * The contract's fused optimizerStep: one kernel call per parameter, whose
 * scalars (1 − β, the bias corrections, …) are computed here in float64 and
 * rounded to float32 on the way in, as core's composition writes them.
 */
export function optimizerStep(
  ts: TensorStore,
  rule: OptimizerStepRule,
  entries: readonly OptimizerStepEntry[],
): OptimizerStepResult[] {
  return entries.map((e) => {
    const shape = e.param.shape;
    const n = sizeOf(shape);
    const param = ts.alloc(shape, 'float32');
    const flags = commonFlags(rule, e);
    const [p, g] = [ts.ptr(e.param), ts.ptr(e.grad)];
    if (rule.kind === 'sgd') {
      const buffer = rule.momentum !== 0 ? ts.alloc(shape, 'float32') : undefined;
      ts.rt.call('sgdStep32', {
        p,
        g,
        buf: e.state.length > 0 ? ts.ptr(e.state[0]!) : 0,
        outP: ts.ptr(param),
        outBuf: buffer ? ts.ptr(buffer) : 0,
        n,
        lr: rule.lr,
        momentum: rule.momentum,
        oneMinusDampening: 1 - rule.dampening,
        weightDecay: rule.weightDecay,
        flags: flags | (buffer ? Op.OPT_MOMENTUM : 0) | (rule.nesterov ? Op.OPT_NESTEROV : 0),
      });
      return { param, state: buffer ? [buffer] : [] };
    }
    const [m, v] = [ts.alloc(shape, 'float32'), ts.alloc(shape, 'float32')];
    const hasState = e.state.length > 0;
    ts.rt.call('adamStep32', {
      p,
      g,
      m: hasState ? ts.ptr(e.state[0]!) : 0,
      v: hasState ? ts.ptr(e.state[1]!) : 0,
      outP: ts.ptr(param),
      outM: ts.ptr(m),
      outV: ts.ptr(v),
      n,
      beta1: rule.beta1,
      oneMinusBeta1: 1 - rule.beta1,
      beta2: rule.beta2,
      oneMinusBeta2: 1 - rule.beta2,
      bias2Sqrt: Math.sqrt(1 - rule.beta2 ** e.t),
      eps: rule.eps,
      stepSize: rule.lr / (1 - rule.beta1 ** e.t),
      weightDecay: rule.weightDecay,
      decay: 1 - rule.lr * rule.weightDecay,
      flags: flags | (rule.decoupled ? Op.OPT_DECOUPLED : 0),
    });
    return { param, state: [m, v] };
  });
}
