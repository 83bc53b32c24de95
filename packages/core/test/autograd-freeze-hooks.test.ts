// requiresGrad / freeze (no gradient work for frozen tensors), tensor gradient
// hooks and module backward hooks — checked against hand-computed gradients
// and float64 finite differences, with backend kernel calls counted.
import '@gradstream/backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  GradientError,
  type Tensor,
  add,
  flatten,
  getBackend,
  grad,
  grads,
  matmul,
  mul,
  randn,
  setSeed,
  sin,
  square,
  sum,
  tensor,
  tidy,
  variableGrads,
} from '@gradstream/core';
import { lastValueFrom } from 'rxjs';
import { Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from '@gradstream/core/nn';
import { adam } from '@gradstream/core/optim';
import { gradcheck, gradgradcheck } from '@gradstream/core/testing';
import { fit } from '@gradstream/core/train';
import { loader, makeXO } from './train-helpers.js';

/** The compute kernels of the backend contract (storage calls left out). */
const KERNELS = [
  'unary',
  'binary',
  'where',
  'cast',
  'reduce',
  'argReduce',
  'matmul',
  'transpose',
  'slice',
  'pad',
  'concat',
  'gather',
  'scatterAdd',
  'conv',
  'convBackpropInput',
  'convBackpropFilter',
  'unfold',
  'fold',
  'maxPool',
  'avgPool',
  'avgPoolBackward',
];

/** Calls of each compute kernel made while `fn` runs. */
function countKernels(fn: () => void): Map<string, number> {
  const backend = getBackend() as unknown as Record<string, unknown>;
  const counts = new Map<string, number>();
  const names = KERNELS.filter((k) => typeof backend[k] === 'function');
  const saved = new Map<string, unknown>();
  for (const k of names) {
    const original = backend[k] as (...a: unknown[]) => unknown;
    saved.set(k, Object.getOwnPropertyDescriptor(backend, k));
    backend[k] = (...a: unknown[]) => {
      counts.set(k, (counts.get(k) ?? 0) + 1);
      return original.apply(backend, a);
    };
  }
  try {
    fn();
  } finally {
    for (const k of names) {
      const own = saved.get(k) as PropertyDescriptor | undefined;
      if (own) Object.defineProperty(backend, k, own);
      else delete backend[k];
    }
  }
  return counts;
}

const total = (c: Map<string, number>): number => [...c.values()].reduce((a, b) => a + b, 0);
const flat = (t: Tensor): number[] => [...t.dataSync()];

/** A small LeNet: conv → relu → pool → conv → relu → pool → linear. */
function smallLeNet(): Sequential {
  setSeed(3);
  return new Sequential([
    new Conv2d(1, 3, 3, { padding: 1, dtype: 'float64' }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(3, 4, 3, { dtype: 'float64' }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(4, 2, { dtype: 'float64' }),
  ]);
}

describe('requiresGrad', () => {
  it('makes a tensor a constant: zero gradient and no backward kernel for it', () => {
    tidy(() => {
      const a = tensor([1, 2, 3], undefined, 'float64');
      const b = tensor([4, 5, 6], undefined, 'float64');
      const f = (x: Tensor, y: Tensor): Tensor => sum(mul(sin(x), y));
      const both = countKernels(() => grads(f)(a, b));
      b.requiresGrad = false;
      let g: Tensor[] = [];
      const one = countKernels(() => {
        g = grads(f)(a, b);
      });
      const [ga, gb] = g as [Tensor, Tensor];
      // d/da = cos(a)·b, by hand; b is a constant now.
      expect(flat(ga)).toEqual([1, 2, 3].map((v, i) => Math.cos(v) * [4, 5, 6][i]!));
      expect(flat(gb)).toEqual([0, 0, 0]);
      expect(total(one)).toBeLessThan(total(both));
      a.requiresGrad = false;
      // Nothing depends on a tracked tensor: no op is recorded, so the backward pass runs no compute kernel at all.
      const none = countKernels(() => grads(f)(a, b));
      const forward = countKernels(() => f(a, b));
      expect(none).toEqual(forward);
    });
  });

  it('freeze() on the convolutions of a LeNet skips their gradient kernels and leaves the head gradients as they were', () => {
    const model = smallLeNet();
    const x = tidy(() => randn([2, 1, 10, 10], 0, 1, 'float64'));
    const loss = (): Tensor => sum(square(model.call(x)));
    tidy(() => {
      let before!: Tensor[];
      const unfrozen = countKernels(() => {
        before = variableGrads(loss, model.parameters()).grads;
      });
      for (const m of model.children()) if (m instanceof Conv2d) m.freeze();
      expect(model.trainableParameters().length).toBe(2);
      let after!: Tensor[];
      const frozen = countKernels(() => {
        after = variableGrads(loss, model.parameters()).grads;
      });
      // With both convs frozen the backward pass stops at the flatten: no conv gradient kernel runs.
      expect(frozen.get('convBackpropFilter') ?? 0).toBe(0);
      expect(frozen.get('convBackpropInput') ?? 0).toBe(0);
      expect(unfrozen.get('convBackpropFilter')).toBe(2);
      expect(unfrozen.get('convBackpropInput')).toBe(1);
      expect(frozen.get('conv')).toBe(unfrozen.get('conv'));
      expect(total(frozen)).toBeLessThan(total(unfrozen));
      for (const i of [0, 1, 2, 3]) expect(flat(after[i]!).every((v) => v === 0)).toBe(true);
      for (const i of [4, 5]) expect(flat(after[i]!)).toEqual(flat(before[i]!));
      model.unfreeze();
      expect(model.trainableParameters().length).toBe(6);
    });
    x.dispose();
    model.dispose();
  });

  it('a frozen second conv still passes the gradient through to the first', () => {
    const model = smallLeNet();
    const x = tidy(() => randn([1, 1, 10, 10], 0, 1, 'float64'));
    const conv2 = model.children()[3]!;
    tidy(() => {
      const loss = (): Tensor => sum(square(model.call(x)));
      const ref = variableGrads(loss, model.parameters()).grads;
      conv2.freeze();
      const g = variableGrads(loss, model.parameters()).grads;
      expect(flat(g[0]!)).toEqual(flat(ref[0]!));
      expect(flat(g[2]!).every((v) => v === 0)).toBe(true);
    });
    x.dispose();
    model.dispose();
  });

  it('fit with Adam over every parameter leaves a frozen layer exactly as it was and trains the rest', async () => {
    setSeed(5);
    const model = new Sequential([
      new Conv2d(1, 4, 3, { padding: 1 }),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(64, 2),
    ]);
    model.children()[0]!.freeze();
    const before = model.parameters().map(flat);
    // Adam's momentum would move a parameter given a zero gradient: frozen ones must be skipped outright.
    const optimizer = adam(model.parameters(), { lr: 0.05, weightDecay: 0.1 });
    await lastValueFrom(fit(model, { train: loader(makeXO(64, 9), 16), epochs: 2, optimizer }));
    const after = model.parameters().map(flat);
    expect(after[0]).toEqual(before[0]);
    expect(after[1]).toEqual(before[1]);
    expect(after[2]).not.toEqual(before[2]);
    optimizer.dispose();
    model.dispose();
  });

  it('setRequiresGrad / freeze / unfreeze apply to descendants; stateDict carries the flag and loadStateDict keeps the target’s', () => {
    const a = smallLeNet();
    const b = smallLeNet();
    a.children()[0]!.freeze();
    expect(a.namedParameters().map(([n, p]) => [n, p.requiresGrad])).toEqual([
      ['0.weight', false],
      ['0.bias', false],
      ['3.weight', true],
      ['3.bias', true],
      ['7.weight', true],
      ['7.bias', true],
    ]);
    expect(a.stateDict().get('0.weight')!.requiresGrad).toBe(false);
    b.loadStateDict(a.stateDict());
    expect(b.trainableParameters().length).toBe(6);
    expect(a.setRequiresGrad(false).trainableParameters()).toEqual([]);
    a.dispose();
    b.dispose();
  });
});

describe('Tensor.registerHook', () => {
  it('sees each gradient once it is complete, later tensors first, and its replacement flows on', () => {
    tidy(() => {
      const x = tensor([0.5, -1, 2], undefined, 'float64');
      const seen: [string, number[]][] = [];
      // f(x) = Σ (y·y) with y = sin(x) used twice: the hook on y must see the sum of both uses, 2·sin(x).
      const f = (t: Tensor): Tensor => {
        const y = sin(t);
        y.registerHook((g) => {
          seen.push(['y', flat(g)]);
        });
        const h = y.registerHook((g) => mul(g, 3));
        y.registerHook((g) => {
          seen.push(['y after', flat(g)]);
        });
        void h;
        return sum(mul(y, y));
      };
      x.registerHook((g) => {
        seen.push(['x', flat(g)]);
      });
      const g = grad(f)(x);
      const xs = [0.5, -1, 2];
      expect(seen.map(([n]) => n)).toEqual(['y', 'y after', 'x']);
      expect(seen[0]![1]).toEqual(xs.map((v) => 2 * Math.sin(v)));
      expect(seen[1]![1]).toEqual(xs.map((v) => 3 * 2 * Math.sin(v)));
      const expected = xs.map((v) => 3 * 2 * Math.sin(v) * Math.cos(v));
      for (const [i, v] of flat(g).entries()) expect(v).toBeCloseTo(expected[i]!, 14);
      expect(seen[2]![1]).toEqual(flat(g));
    });
  });

  it('a hook on an input may replace what grad returns; remove() stops it', () => {
    tidy(() => {
      const x = tensor([1, 2], undefined, 'float64');
      const h = x.registerHook((g) => add(g, 1));
      const f = (t: Tensor): Tensor => sum(square(t));
      expect(flat(grad(f)(x))).toEqual([3, 5]);
      h.remove();
      h.remove();
      expect(flat(grad(f)(x))).toEqual([2, 4]);
    });
  });

  it('rejects a replacement of the wrong shape with a GradientError naming the tensor', () => {
    tidy(() => {
      const x = tensor([1, 2], undefined, 'float64');
      x.registerHook(() => tensor([1, 2, 3], undefined, 'float64'));
      expect(() => grad((t) => sum(t))(x)).toThrow(GradientError);
      expect(() => grad((t) => sum(t))(x)).toThrow(/\[2\] float64/);
    });
  });

  it('the replacement is used by finite-difference-checked chains: scaling a middle gradient scales the input gradient', () => {
    tidy(() => {
      const x = tensor([0.3, -0.7, 1.1], undefined, 'float64');
      const f = (t: Tensor): Tensor => sum(sin(mul(t, t)));
      const plain = flat(grad(f)(x));
      const eps = 1e-6;
      const xs = [0.3, -0.7, 1.1];
      const fd = xs.map((_, i) => {
        const at = (d: number): number => xs.reduce((s, v, j) => s + Math.sin((j === i ? v + d : v) ** 2), 0);
        return (at(eps) - at(-eps)) / (2 * eps);
      });
      for (const [i, v] of plain.entries()) expect(v).toBeCloseTo(fd[i]!, 8);
      const scaled = flat(
        grad((t) => {
          const sq = mul(t, t);
          sq.registerHook((g) => mul(g, -2));
          return sum(sin(sq));
        })(x),
      );
      for (const [i, v] of scaled.entries()) expect(v).toBeCloseTo(-2 * fd[i]!, 8);
    });
  });
});

/** y = x·Wᵀ + b with W and b fixed literals. */
class Affine extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(w: number[][], b: number[]) {
    super();
    this.weight = this.addParameter('weight', tensor(w, undefined, 'float64'));
    this.bias = this.addParameter('bias', tensor(b, undefined, 'float64'));
  }
  forward(x: Tensor): Tensor {
    return add(matmul(x, this.weight, { transposeB: true }), this.bias);
  }
}

describe('Module.registerFullBackwardHook', () => {
  it('gives gradInput and gradOutput by hand, last layer first, null gradInput for the first layer', () => {
    const l1 = new Affine(
      [
        [1, 2],
        [3, -1],
        [0, 1],
      ],
      [0, 0, 0],
    );
    const l2 = new Affine([[2, -1, 1]], [0.5]);
    const calls: [string, number[] | null, number[]][] = [];
    const log =
      (name: string) =>
      (_m: Module, gIn: Tensor | null, gOut: Tensor): void => {
        calls.push([name, gIn ? flat(gIn) : null, flat(gOut)]);
      };
    const h1 = l1.registerFullBackwardHook(log('l1'));
    l2.registerFullBackwardHook(log('l2'));
    tidy(() => {
      const x = tensor([[1, -2]], undefined, 'float64');
      // L = 3·l2(l1(x)): dL/d out2 = 3; dL/d out1 = 3·W2 = [6, -3, 3]; dL/dx = [6, -3, 3]·W1 = [-3, 18].
      variableGrads(() => mul(sum(l2.call(l1.call(x))), 3), [...l1.parameters(), ...l2.parameters()]);
      expect(calls).toEqual([
        ['l2', [6, -3, 3], [3]],
        ['l1', null, [6, -3, 3]],
      ]);
      calls.length = 0;
      const [dx] = grads((t: Tensor) => mul(sum(l2.call(l1.call(t))), 3))(x);
      expect(calls[1]).toEqual(['l1', [-3, 18], [6, -3, 3]]);
      expect(flat(dx!)).toEqual([-3, 18]);
      h1.remove();
      calls.length = 0;
      grads((t: Tensor) => sum(l2.call(l1.call(t))))(x);
      expect(calls.map(([n]) => n)).toEqual(['l2']);
    });
    l1.dispose();
    l2.dispose();
  });

  it('a returned gradInput replaces the gradient flowing upstream', () => {
    const l1 = new Affine([[2]], [0]);
    const l2 = new Affine([[5]], [0]);
    l2.registerFullBackwardHook((_m, gIn) => (gIn ? mul(gIn, 0.5) : undefined));
    tidy(() => {
      const x = tensor([[3]], undefined, 'float64');
      const { grads: g } = variableGrads(() => sum(l2.call(l1.call(x))), l1.parameters());
      // d/dW1 = W2·x = 15, halved by the hook.
      expect(flat(g[0]!)).toEqual([7.5]);
    });
    l1.dispose();
    l2.dispose();
  });

  it('leaves the function differentiable: gradcheck and gradgradcheck in float64 with hooks registered', () => {
    const l1 = new Affine(
      [
        [0.5, -1],
        [1.5, 0.25],
      ],
      [0.1, -0.2],
    );
    let fired = 0;
    l1.registerFullBackwardHook(() => {
      fired++;
    });
    tidy(() => {
      const x = tensor([[0.3, -0.4]], undefined, 'float64');
      expect(gradcheck((t) => sum(sin(l1.call(t))), [x])).toBe(true);
      expect(gradgradcheck((t) => sum(sin(l1.call(t))), [x])).toBe(true);
    });
    expect(fired).toBeGreaterThan(0);
    l1.dispose();
  });

  it('records nothing outside a gradient computation', () => {
    const l1 = new Affine([[1]], [0]);
    let fired = 0;
    l1.registerFullBackwardHook(() => {
      fired++;
    });
    const counted = tidy(() => flat(flatten(l1.call(tensor([[2]], undefined, 'float64')), 0)));
    expect(counted).toEqual([2]);
    expect(fired).toBe(0);
    l1.dispose();
  });
});
