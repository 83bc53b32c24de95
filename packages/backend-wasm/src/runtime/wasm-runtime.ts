import { BLOCK_BYTES } from './control-block.js';
import { type Block, Heap } from './heap.js';
import {
  type KernelArgs,
  type KernelExports,
  type KernelName,
  type KernelResult,
  PARALLEL_KERNELS,
  type ParallelKernel,
  arity,
  bindExports,
  writeArgs,
} from './kernel-exports.js';
import { loadModule } from './load-module.js';
import { sharedMemoryAvailable } from './environment.js';
import { ThreadPool } from './thread-pool.js';
import { wholeView } from './whole-view.js';
import { SD_WORDS, W_WORDS } from '../../assembly/opcodes.js';

const MAX_PAGES = 65536;
const INITIAL_PAGES = 256;

/** How to start the runtime. */
export interface RuntimeOptions {
  /** Threads including the calling one; 1 runs everything on it. */
  readonly threads: number;
  /** Relaxed SIMD: `auto` uses it when the runtime supports it. */
  readonly relaxedSimd: boolean | 'auto';
  /** Kernels with less work than this many flops stay on the calling thread. */
  readonly minParallelFlops: number;
}

/**
 * One instantiated kernel module with its linear memory, the allocator over
 * that memory, per-thread scratch for packing and im2col, and the thread
 * pool. Kernels in src/kernels talk to WebAssembly only through this.
 */
export class WasmRuntime {
  /** Address of the window descriptor (conv, pooling, unfold) the main thread fills before a call. */
  readonly windowDesc: number;
  /** Address of the strided-loop descriptor (broadcasting, reductions). */
  readonly stridedDesc: number;
  private readonly scratch: Block[] = [];
  /** One argument list per kernel, refilled for each call on this thread (a call never re-enters JavaScript). */
  private readonly argLists = new Map<KernelName, number[]>();
  /** Linear memory as int32 words, for writing descriptors in place (see wholeView). */
  readonly words: () => Int32Array;

  private constructor(
    private readonly exports: KernelExports,
    readonly memory: WebAssembly.Memory,
    readonly heap: Heap,
    readonly relaxedSimd: boolean,
    private readonly pool: ThreadPool | undefined,
    readonly minParallelFlops: number,
  ) {
    this.words = wholeView(memory, Int32Array);
    this.windowDesc = heap.alloc(W_WORDS * 4).ptr;
    this.stridedDesc = heap.alloc(SD_WORDS * 4).ptr;
  }

  /** Compiles the module, instantiates it on fresh memory and starts the workers. */
  static async create(options: RuntimeOptions): Promise<WasmRuntime> {
    const shared = sharedMemoryAvailable();
    const loaded = await loadModule({ shared, relaxedSimd: options.relaxedSimd });
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: loaded.shared });
    const instance = await WebAssembly.instantiate(loaded.module, { env: { memory } });
    const exports = bindExports(instance.exports);
    const heap = new Heap(memory, exports.heapBase());
    let runtime: WasmRuntime | undefined;
    const pool = loaded.shared
      ? new ThreadPool(
          loaded.module,
          memory,
          PARALLEL_KERNELS,
          () => heap.alloc(BLOCK_BYTES).ptr,
          (kernel, job) => void runtime!.call(kernel, job),
        )
      : undefined;
    runtime = new WasmRuntime(exports, memory, heap, loaded.relaxedSimd, pool, options.minParallelFlops);
    await runtime.setThreads(options.threads);
    return runtime;
  }

  /** Threads that take part in parallel kernels now. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** Changes the thread count (1 = calling thread only); resolves when new workers are ready. */
  async setThreads(count: number): Promise<void> {
    await this.pool?.resize(Math.max(1, count));
  }

  /** Per-thread scratch of at least `bytes` bytes for thread slot `thread`. */
  scratchFor(thread: number, bytes: number): number {
    const have = this.scratch[thread];
    if (have && have.size >= bytes) return have.ptr;
    if (have) this.heap.release(have);
    const block = this.heap.alloc(bytes);
    this.scratch[thread] = block;
    return block.ptr;
  }

  /** Calls a kernel on this thread. */
  call<K extends KernelName>(kernel: K, args: KernelArgs<K>): KernelResult<K> {
    let list = this.argLists.get(kernel);
    if (!list) {
      list = new Array<number>(arity(kernel)).fill(0);
      this.argLists.set(kernel, list);
    }
    writeArgs(kernel, args, list);
    return (this.exports[kernel] as (...a: number[]) => KernelResult<K>)(...list);
  }

  /** Runs `kernel` once per argument set: the first here, the rest on workers. */
  parallel<K extends ParallelKernel>(kernel: K, jobs: readonly KernelArgs<K>[]): void {
    if (jobs.length === 1 || !this.pool) {
      for (const job of jobs) this.call(kernel, job);
      return;
    }
    this.pool.run(PARALLEL_KERNELS.indexOf(kernel), jobs);
  }

  /** Views over linear memory; made per use because growing the memory replaces its buffer. */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u8(ptr: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, length);
  }

  /** Stops the workers. Linear memory goes with the runtime once unreferenced. */
  dispose(): void {
    this.pool?.dispose();
  }
}
