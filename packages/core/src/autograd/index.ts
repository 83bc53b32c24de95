export {
  grad,
  grads,
  valueAndGrad,
  valueAndGrads,
  variableGrads,
  vjp,
  customGrad,
  type CustomGradResult,
} from './grad.js';
export { traceOps, type TracedOp } from './trace.js';
