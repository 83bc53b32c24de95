/** The kernel module's exports (see assembly/index.ts); pointers and sizes are plain numbers. */
export interface KernelExports {
  heapBase(): number;
  gemmScratchBytes(): number;
  convScratchBytes(desc: number): number;
  matmul(
    a: number,
    aBatch: number,
    ars: number,
    acs: number,
    b: number,
    bBatch: number,
    brs: number,
    bcs: number,
    c: number,
    M: number,
    N: number,
    K: number,
    b0: number,
    b1: number,
    m0: number,
    m1: number,
    n0: number,
    n1: number,
    scratch: number,
  ): void;
  convForward(
    x: number,
    w: number,
    y: number,
    desc: number,
    n0: number,
    n1: number,
    o0: number,
    o1: number,
    r0: number,
    r1: number,
    scratch: number,
  ): void;
  convBackpropInput(
    dy: number,
    w: number,
    dx: number,
    desc: number,
    n0: number,
    n1: number,
    c0: number,
    c1: number,
    scratch: number,
  ): void;
  convBackpropFilter(
    x: number,
    dy: number,
    dw: number,
    desc: number,
    n0: number,
    n1: number,
    o0: number,
    o1: number,
    scratch: number,
  ): void;
  unfold(x: number, cols: number, desc: number, n0: number, n1: number): void;
  fold(cols: number, x: number, desc: number, n0: number, n1: number): void;
  maxPool(x: number, y: number, idx: number, desc: number, p0: number, p1: number): void;
  avgPool(x: number, y: number, desc: number, p0: number, p1: number): void;
  avgPoolBackward(dy: number, dx: number, desc: number, p0: number, p1: number): void;
  unary(op: number, x: number, y: number, n: number): void;
  binary(op: number, a: number, b: number, y: number, desc: number): void;
  where32(cond: number, a: number, b: number, y: number, desc: number): void;
  reduce(op: number, x: number, y: number, desc: number, ySize: number): void;
  argReduce(op: number, x: number, y: number, outer: number, r: number, inner: number): void;
  addInto(dst: number, src: number, n: number): void;
  copy32(x: number, y: number, desc: number): void;
  scatterAdd32(dy: number, idx: number, y: number, outer: number, count: number, axisSize: number, inner: number): void;
}

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
] as const satisfies readonly (keyof KernelExports)[];

/** A kernel the thread pool can split. */
export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];
