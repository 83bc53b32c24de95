import { describe, expect, it } from 'vitest';
import { BackendError } from '@gradstream/core';
import { Heap, sizeClass } from '../src/runtime/heap.js';

const PAGE = 65536;

/** A heap over a memory of `pages` pages that cannot grow past `maximum`. */
function heapOf(pages: number, maximum: number): Heap {
  return new Heap(new WebAssembly.Memory({ initial: pages, maximum }), 0);
}

function overlaps(a: { ptr: number; size: number }, b: { ptr: number; size: number }): boolean {
  return a.ptr < b.ptr + b.size && b.ptr < a.ptr + a.size;
}

describe('Heap', () => {
  it('reuses a freed block for a request of the same size class', () => {
    const heap = heapOf(1, 16);
    const a = heap.alloc(1000);
    heap.release(a);
    expect(heap.alloc(990).ptr).toBe(a.ptr);
  });

  it('when memory is full, merges freed blocks of other sizes to serve a larger request', () => {
    const heap = heapOf(1, 64);
    // Fill most of the 4 MiB with small blocks, then free them all.
    const small = Array.from({ length: 3000 }, () => heap.alloc(1024));
    const keep = heap.alloc(4096);
    for (const b of small) heap.release(b);
    // No block of this size was ever freed and bumping would pass the maximum.
    const big = heap.alloc(2.5 * 2 ** 20);
    expect(big.size).toBe(sizeClass(2.5 * 2 ** 20));
    expect(overlaps(big, keep)).toBe(false);
    expect(big.ptr + big.size).toBeLessThanOrEqual(64 * PAGE);
    // The rest of the merged run is still usable, without overlapping what is live.
    const more = heap.alloc(100_000);
    expect(overlaps(more, big) || overlaps(more, keep)).toBe(false);
  });

  it('gives a free run at the end back to the bump pointer', () => {
    const heap = heapOf(1, 64);
    const blocks = Array.from({ length: 12 }, () => heap.alloc(300_000));
    for (const b of blocks) heap.release(b);
    const top = heap.reserved;
    heap.alloc(3_000_000);
    expect(heap.reserved).toBeLessThanOrEqual(top);
  });

  it('still reports a BackendError when live blocks leave no room', () => {
    const heap = heapOf(1, 16);
    const live = Array.from({ length: 15 }, () => heap.alloc(60_000));
    expect(live.length).toBe(15);
    expect(() => heap.alloc(200_000)).toThrow(BackendError);
  });
});
