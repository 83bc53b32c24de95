import { BackendError, OutOfMemoryError } from '@gradstream/core';

const PAGE = 65536;
/** Every block starts on a cache line, which also satisfies SIMD alignment. */
const ALIGN = 64;

/** A block of linear memory: its address and the size class it came from. */
export interface Block {
  readonly ptr: number;
  readonly size: number;
}

/**
 * Size class of a request: multiples of 64 bytes up to 1 KiB, then four
 * classes per power of two, so a reused block wastes at most 25%.
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 0) return 0;
  if (bytes <= 1024) return Math.ceil(bytes / ALIGN) * ALIGN;
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 2);
  return Math.ceil(bytes / step) * step;
}

/**
 * Allocator over a WebAssembly.Memory: a bump pointer plus one free list per
 * block size. Freed blocks are reused by later requests of the same size (a
 * training loop repeats the same shapes every step); memory grows on demand
 * and never shrinks, since WebAssembly cannot return pages. When memory can
 * grow no further, adjacent free blocks are merged and the request is cut
 * from the first that fits, so a process that trains one large model and then
 * another of different shapes reuses the first one's memory instead of
 * running out of address space.
 */
export class Heap {
  private top: number;
  private readonly free = new Map<number, number[]>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    base: number,
  ) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  /** Allocates at least `bytes` bytes; throws BackendError when memory cannot grow. */
  alloc(bytes: number): Block {
    const size = sizeClass(bytes);
    if (size === 0) return { ptr: 0, size: 0 };
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) return { ptr: reused, size };
    try {
      return this.bump(size, bytes);
    } catch (e) {
      if (!(e instanceof BackendError)) throw e;
      this.coalesce();
      return this.takeFirstFit(size) ?? this.bump(size, bytes);
    }
  }

  private bump(size: number, bytes: number): Block {
    const ptr = this.top;
    // Keep a cache line past every block inside memory: SIMD kernels may load a
    // few lanes beyond a row's last element (never using them), which must not trap.
    this.ensure(ptr + size + ALIGN, bytes);
    this.top = ptr + size;
    return { ptr, size };
  }

  /**
   * Merges free blocks that touch, and gives a free run ending at the bump
   * pointer back to it. Sizes stay multiples of ALIGN, so every piece remains
   * aligned after merging and splitting.
   */
  private coalesce(): void {
    const blocks: Block[] = [];
    for (const [size, ptrs] of this.free) for (const ptr of ptrs) blocks.push({ ptr, size });
    blocks.sort((a, b) => a.ptr - b.ptr);
    this.free.clear();
    const merged: Block[] = [];
    for (const b of blocks) {
      const last = merged.at(-1);
      if (last && last.ptr + last.size === b.ptr)
        merged[merged.length - 1] = { ptr: last.ptr, size: last.size + b.size };
      else merged.push(b);
    }
    const tail = merged.at(-1);
    if (tail && tail.ptr + tail.size === this.top) {
      this.top = tail.ptr;
      merged.pop();
    }
    for (const b of merged) this.release(b);
  }

  /** Cuts `size` bytes from the lowest free block that holds them; the rest stays free. */
  private takeFirstFit(size: number): Block | undefined {
    let best: Block | undefined;
    for (const [blockSize, ptrs] of this.free) {
      if (blockSize < size) continue;
      for (const ptr of ptrs) if (!best || ptr < best.ptr) best = { ptr, size: blockSize };
    }
    if (!best) return undefined;
    const list = this.free.get(best.size)!;
    list.splice(list.indexOf(best.ptr), 1);
    if (best.size > size) this.release({ ptr: best.ptr + size, size: best.size - size });
    return { ptr: best.ptr, size };
  }

  /** Returns a block to its size class. */
  release(block: Block): void {
    if (block.size === 0) return;
    let list = this.free.get(block.size);
    if (!list) {
      list = [];
      this.free.set(block.size, list);
    }
    list.push(block.ptr);
  }

  /** Bytes of linear memory in use by the heap, live or on free lists. */
  get reserved(): number {
    return this.top;
  }

  private ensure(end: number, requested: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least an eighth of the current size so repeated growth stays cheap.
    const needed = Math.ceil((end - have) / PAGE);
    const pages = Math.max(needed, Math.ceil(have / PAGE / 8));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needed);
      } catch {
        throw new OutOfMemoryError(
          'wasm',
          requested,
          'wasm',
          `heap holds ${this.top} bytes; WebAssembly memory is limited to 4 GiB and by the host`,
        );
      }
    }
  }
}
