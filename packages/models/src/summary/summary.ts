import { noGrad, tidy, zeros, type Tensor } from '@gradstream/core';
import { Conv2d, Linear, type Module } from '@gradstream/core/nn';

/** One forward call of a leaf module. */
export interface LayerSummary {
  /** Dotted path in the module tree (`layer1.0.conv1`), as in the state dict. */
  readonly name: string;
  /** The module's class name. */
  readonly type: string;
  readonly outputShape: readonly number[];
  /** Elements in the module's own parameters (0 on a repeated call of a shared module). */
  readonly params: number;
  /** Multiply-adds of this call for the whole batch (convolutions and linear layers; 0 for others). */
  readonly multAdds: number;
}

/** What `summary` measured: one row per leaf-module call, in execution order, and totals. */
export interface ModelSummary {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly layers: readonly LayerSummary[];
  /** Every parameter of the model, including any held by non-leaf modules. */
  readonly totalParams: number;
  /** Of those, the ones with `requiresGrad` (what an optimizer over `trainableParameters()` updates). */
  readonly trainableParams: number;
  /** And the frozen ones (`requiresGrad` false, e.g. after `module.freeze()`). */
  readonly frozenParams: number;
  readonly totalMultAdds: number;
  /** Bytes of parameters and buffers. */
  readonly stateBytes: number;
}

const BYTES = { float32: 4, float64: 8, int32: 4, bool: 1 } as const;

/** N·O·outH·outW·(C/g)·kH·kW for a convolution, rows·in·out for a linear layer. */
function multAddsOf(module: Module, output: Tensor): number {
  if (module instanceof Conv2d) return output.size * (module.weight.size / module.outChannels);
  if (module instanceof Linear) return output.size * module.inFeatures;
  return 0;
}

function runEval<T>(model: Module, fn: () => T): T {
  // Restored per module in pre-order, so a model in mixed modes comes back as it was.
  const modes = model.namedModules().map(([, m]) => [m, m.training] as const);
  model.eval();
  try {
    return fn();
  } finally {
    for (const [m, mode] of modes) m.train(mode);
  }
}

/**
 * Runs one forward pass on zeros of `inputShape` (in eval mode, without
 * gradients, freeing every intermediate) and records each leaf module's
 * output shape, parameter count and multiply-adds via forward hooks.
 *
 * @example
 * ```ts
 * const s = summary(resnet18(), [1, 3, 224, 224]);
 * s.totalParams;   // 11689512
 * s.totalMultAdds; // 1814073344
 * ```
 */
export function summary(model: Module, inputShape: readonly number[]): ModelSummary {
  const layers: LayerSummary[] = [];
  const counted = new Set<Module>();
  const removers = model
    .namedModules()
    .filter(([, m]) => m.children().length === 0)
    .map(([name, m]) =>
      m.addForwardHook((module, _input, output) => {
        const params = counted.has(module) ? 0 : module.parameters().reduce((n, p) => n + p.size, 0);
        counted.add(module);
        layers.push({
          name,
          type: module.constructor.name,
          outputShape: [...output.shape],
          params,
          multAdds: multAddsOf(module, output),
        });
      }),
    );
  let outputShape: readonly number[];
  try {
    outputShape = runEval(model, () => noGrad(() => tidy(() => [...model.call(zeros(inputShape)).shape])));
  } finally {
    for (const remove of removers) remove();
  }
  const state = [...model.stateDict().values()];
  return {
    inputShape: [...inputShape],
    outputShape,
    layers,
    totalParams: model.parameters().reduce((n, p) => n + p.size, 0),
    trainableParams: model.trainableParameters().reduce((n, p) => n + p.size, 0),
    frozenParams: model
      .parameters()
      .filter((p) => !p.requiresGrad)
      .reduce((n, p) => n + p.size, 0),
    totalMultAdds: layers.reduce((n, l) => n + l.multAdds, 0),
    stateBytes: state.reduce((n, t) => n + t.size * BYTES[t.dtype], 0),
  };
}
