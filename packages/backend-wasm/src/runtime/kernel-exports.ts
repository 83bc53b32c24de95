import { BackendError } from '@gradstream/core';
import { KERNEL_SIGNATURES } from './kernel-signatures.js';

type Signatures = typeof KERNEL_SIGNATURES;

/** An export of the kernel module. */
export type KernelName = keyof Signatures;

/**
 * A kernel's arguments by parameter name, as assembly/ declares them
 * (pointers, sizes and codes are plain numbers). Callers never depend on the
 * order: a missing, extra or misspelled name fails to compile.
 */
export type KernelArgs<K extends KernelName> = { readonly [P in keyof Signatures[K]['params']]: number };

/** What a kernel returns to JavaScript. */
export type KernelResult<K extends KernelName> = Signatures[K]['returns'] extends 'void' ? undefined : number;

/** The module's exports, called with positional arguments in the module's order. */
export type KernelExports = { readonly [K in KernelName]: (...args: number[]) => KernelResult<K> };

/** Exports the thread pool may run on workers, by index. */
export const PARALLEL_KERNELS = [
  'matmul',
  'convForward',
  'convBackpropInput',
  'convBackpropFilter',
  'unfold',
  'fold',
  'maxPool',
  'avgPool',
  'avgPoolBackward',
  'unary',
  'binary',
  'where32',
  'scatterAdd32',
  'maxPoolBackward32',
  'reduce',
  'batchNormTraining',
  'batchNormBackward',
  'batchNormInference',
  'u8ToF32',
] as const satisfies readonly KernelName[];

/** A kernel the thread pool can split. */
export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

/** Parameter names per kernel, in order: computed once, since every kernel call needs them. */
const PARAM_NAMES = new Map<string, readonly string[]>(
  Object.entries(KERNEL_SIGNATURES).map(([name, { params }]) => [name, Object.keys(params)]),
);

/** Parameter count of a kernel. */
export function arity(name: KernelName): number {
  return PARAM_NAMES.get(name)!.length;
}

/**
 * Writes a call's arguments into `into` from index `at`, in the order the
 * module declares its parameters. Writes into storage the caller keeps, so
 * a kernel call allocates no argument list.
 */
export function writeArgs<K extends KernelName>(
  name: K,
  args: KernelArgs<K>,
  into: { [index: number]: number },
  at = 0,
): void {
  const names = PARAM_NAMES.get(name)!;
  const byName = args as Readonly<Record<string, number>>;
  for (let i = 0; i < names.length; i++) into[at + i] = byName[names[i]!]!;
}

/**
 * The instance's exports, after checking that each signature names a
 * function taking that many arguments: a .wasm built from other sources
 * than kernel-signatures.ts fails here, not with wrong numbers later.
 */
export function bindExports(exports: WebAssembly.Exports): KernelExports {
  for (const [name, { params }] of Object.entries(KERNEL_SIGNATURES)) {
    const fn = exports[name];
    const arity = Object.keys(params).length;
    if (typeof fn !== 'function' || fn.length !== arity) {
      throw new BackendError(
        'wasm',
        `the kernel module does not match src/runtime/kernel-signatures.ts: ${name} should take ${arity} arguments, ` +
          `the module ${typeof fn === 'function' ? `has ${fn.length}` : 'does not export it'} (rebuild the package)`,
      );
    }
  }
  return exports as unknown as KernelExports;
}
