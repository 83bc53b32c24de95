import { WasmBackend } from '@gradstream/backend-wasm';
import { getBackend } from '@gradstream/core';
import { describe, expect, it } from 'vitest';
import { startBackend, stopWorkerThreads } from '../src/setup/backend.js';

const threads = (): number => (getBackend() as WasmBackend).threads;

describe('worker threads after training', () => {
  it('stopWorkerThreads leaves the wasm backend on one thread; the next startBackend gives the workers back', async () => {
    const started = await startBackend('wasm', 2);
    expect(started.name).toBe('wasm');
    expect(getBackend()).toBeInstanceOf(WasmBackend);
    expect(threads()).toBe(2);
    await stopWorkerThreads();
    expect(threads()).toBe(1);
    // Without --threads, the next command gets the count the stopped backend had.
    await startBackend('wasm');
    expect(threads()).toBe(2);
  });

  it('does nothing on the cpu backend', async () => {
    await startBackend('cpu');
    await stopWorkerThreads();
    expect(getBackend()).not.toBeInstanceOf(WasmBackend);
  });
});
