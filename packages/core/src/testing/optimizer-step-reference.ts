/**
 * One optimizer step as a plain float64 loop over host arrays: the
 * independent reference the conformance kit holds a backend's fused
 * optimizerStep to. Written from torch.optim's SGD and Adam/AdamW, element by
 * element, with nothing shared with core's composition of the rules.
 */
import type { Backend, OptimizerStepEntry, OptimizerStepResult, OptimizerStepRule } from '../backend/contract.js';
import { readHost, writeHost } from './host-arrays.js';

/** New value and state of one parameter under `rule`. */
function stepOne(rule: OptimizerStepRule, p: Float64Array, g: Float64Array, state: Float64Array[], t: number) {
  const n = p.length;
  const next = new Float64Array(n);
  if (rule.kind === 'sgd') {
    const buf = rule.momentum ? new Float64Array(n) : undefined;
    for (let i = 0; i < n; i++) {
      let d = (rule.maximize ? -g[i]! : g[i]!) + rule.weightDecay * p[i]!;
      if (buf) {
        buf[i] = state.length ? rule.momentum * state[0]![i]! + (1 - rule.dampening) * d : d;
        d = rule.nesterov ? d + rule.momentum * buf[i]! : buf[i]!;
      }
      next[i] = p[i]! - rule.lr * d;
    }
    return { next, state: buf ? [buf] : [] };
  }
  const [m, v] = [new Float64Array(n), new Float64Array(n)];
  const { beta1, beta2 } = rule;
  for (let i = 0; i < n; i++) {
    const decayed = rule.decoupled ? p[i]! * (1 - rule.lr * rule.weightDecay) : p[i]!;
    const d = (rule.maximize ? -g[i]! : g[i]!) + (rule.decoupled ? 0 : rule.weightDecay * p[i]!);
    m[i] = beta1 * (state.length ? state[0]![i]! : 0) + (1 - beta1) * d;
    v[i] = beta2 * (state.length ? state[1]![i]! : 0) + (1 - beta2) * d * d;
    const mHat = m[i]! / (1 - beta1 ** t);
    const vHat = v[i]! / (1 - beta2 ** t);
    next[i] = decayed - (rule.lr * mHat) / (Math.sqrt(vHat) + rule.eps);
  }
  return { next, state: [m, v] };
}

/** The reference of Backend.optimizerStep. */
export function referenceOptimizerStep(
  b: Backend,
  rule: OptimizerStepRule,
  entries: readonly OptimizerStepEntry[],
): OptimizerStepResult[] {
  return entries.map((e) => {
    const r = stepOne(
      rule,
      readHost(b, e.param),
      readHost(b, e.grad),
      e.state.map((s) => readHost(b, s)),
      e.t,
    );
    return {
      param: writeHost(b, r.next, e.param, e.param.shape),
      state: r.state.map((s) => writeHost(b, s, e.param, e.param.shape)),
    };
  });
}
