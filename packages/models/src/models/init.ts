import { full, randn, sizeOf, type Tensor } from '@gradstream/core';
import { type Conv2d, type Linear, type Module, assignParameter } from '@gradstream/core/nn';

/**
 * torchvision re-initializes some layers after building them; assigning in
 * place keeps the parameter objects the module holds.
 */
function refill(param: Tensor | undefined, values: () => Tensor): void {
  if (param) assignParameter(param, values());
}

/** Weights N(0, std²); biases are left alone (torchvision's GoogLeNet recipe). */
export function initNormalWeight(m: Conv2d | Linear, std: number): void {
  refill(m.weight, () => randn(m.weight.shape, 0, std));
}

/** Weights N(0, std²), biases 0 (torchvision's VGG classifier recipe). */
export function initNormal(m: Conv2d | Linear, std: number): void {
  initNormalWeight(m, std);
  refill(m.bias, () => full(m.bias!.shape, 0));
}

/** He normal with fan_out and ReLU gain, bias 0, as torchvision's VGG and ResNet initialize convolutions. */
export function initKaimingFanOut(conv: Conv2d): void {
  const [outChannels, , ...kernel] = conv.weight.shape;
  const fanOut = outChannels! * sizeOf(kernel);
  refill(conv.weight, () => randn(conv.weight.shape, 0, Math.sqrt(2 / fanOut)));
  refill(conv.bias, () => full(conv.bias!.shape, 0));
}

/** Applies `f` to every module of `model` that is an instance of `type`. */
export function initEach<T extends Module>(
  model: Module,
  type: abstract new (...args: never[]) => T,
  f: (m: T) => void,
): void {
  for (const [, m] of model.namedModules()) if (m instanceof type) f(m);
}
