/**
 * Random tensors are generated on the host and uploaded, so a seed gives the
 * same bits on cpu and on wasm (1 and 2 threads), and the same model weights.
 */
import '@gradstream/backend-cpu';
import '@gradstream/backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmBackend } from '@gradstream/backend-wasm';
import { randn, registerBackend, setBackend, setSeed, uniform } from '@gradstream/core';
import { Conv2d, Linear, Sequential, init } from '@gradstream/core/nn';

let threaded: WasmBackend | undefined;
registerBackend('wasm-2t-random', async () => (threaded = await createWasmBackend({ threads: 2 })));

async function draw(backend: string, seed: number): Promise<Float32Array[]> {
  await setBackend(backend);
  setSeed(seed);
  const tensors = [
    randn([1001]),
    uniform([333], -3, 2),
    randn([4, 5, 6], 0.5, 0.1),
    init.kaimingNormal([16, 8, 3, 3]),
    init.xavierUniform([12, 7]),
  ];
  const model = new Sequential([new Conv2d(3, 4, 3), new Linear(10, 2)]);
  const values = [...tensors, ...model.parameters()].map((t) => t.dataSync() as Float32Array);
  for (const t of tensors) t.dispose();
  model.dispose();
  return values;
}

describe('random fills are the same on every backend for a seed', () => {
  afterAll(() => threaded?.dispose());

  it('cpu, wasm and wasm with 2 threads draw identical bits', async () => {
    for (const seed of [0, 1, 123456789]) {
      const onCpu = await draw('cpu', seed);
      for (const backend of ['wasm', 'wasm-2t-random']) {
        const other = await draw(backend, seed);
        expect(other.length).toBe(onCpu.length);
        other.forEach((values, i) => {
          expect(values, `${backend}, seed ${seed}, tensor ${i}`).toEqual(onCpu[i]);
        });
      }
    }
    await setBackend('cpu');
  });

  it('different seeds draw different values', async () => {
    const [a] = await draw('wasm', 1);
    const [b] = await draw('wasm', 2);
    expect(a).not.toEqual(b);
    await setBackend('cpu');
  });
});
