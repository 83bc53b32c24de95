// Scores a LeNet-5 exported by `gradstream export` on the 10,000 MNIST test images in
// onnxruntime-node, with the same preprocessing as `gradstream eval` (normalize 0.1307 / 0.3081):
//   pnpm gradstream train --epochs 1 --out runs/one
//   pnpm gradstream export --weights runs/one/model.safetensors --format onnx --out runs/one/model.onnx
//   pnpm gradstream eval --weights runs/one/model.safetensors
//   npx tsx --tsconfig tsconfig.json examples/onnx-mnist-accuracy.ts runs/one/model.onnx
import { readFileSync } from 'node:fs';
import { mnist } from '@gradstream/datasets';
import * as ort from 'onnxruntime-node';

const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(process.argv[2]!)));
const test = mnist('test');
const batch = 500;
let correct = 0;
for (let start = 0; start < test.length; start += batch) {
  const n = Math.min(batch, test.length - start);
  const x = new Float32Array(n * 784);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const { image, label } = test.get(start + i);
    for (let j = 0; j < 784; j++) x[i * 784 + j] = (image[j]! - 0.1307) / 0.3081;
    labels.push(label);
  }
  const logits = (await session.run({ input: new ort.Tensor('float32', x, [n, 1, 28, 28]) })).output!
    .data as Float32Array;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
}
console.log(`onnxruntime test accuracy ${((100 * correct) / test.length).toFixed(2)}% (${correct}/${test.length})`);
