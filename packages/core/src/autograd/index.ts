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
