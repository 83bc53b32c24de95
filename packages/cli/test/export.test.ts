import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { main } from '../src/index.js';
import { capture } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('export --format onnx writes a graph onnxruntime loads, with the batch left free', async () => {
  const out = capture();
  expect(
    await main(['train', '--dataset', 'xo', '--epochs', '1', '--backend', 'cpu', '--out', dir], {
      stdout: capture(),
      stderr: capture(),
    }),
  ).toBe(0);
  const onnxPath = join(dir, 'model.onnx');
  const code = await main(
    ['export', '--weights', join(dir, 'model.safetensors'), '--format', 'onnx', '--out', onnxPath, '--backend', 'cpu'],
    { stdout: out, stderr: capture() },
  );
  expect(code).toBe(0);
  expect(out.text()).toContain(`wrote ${onnxPath}`);
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(onnxPath)));
  const result = await session.run({ input: new ort.Tensor('float32', new Float32Array(3 * 64), [3, 1, 8, 8]) });
  expect(result.output!.dims).toEqual([3, 2]);
});

it('export without --out is a usage error', async () => {
  const err = capture();
  expect(await main(['export', '--weights', 'x.safetensors'], { stdout: capture(), stderr: err })).toBe(2);
  expect(err.text()).toContain('export needs --out FILE');
});
