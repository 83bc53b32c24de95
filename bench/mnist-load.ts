/**
 * Time and memory to load the 60,000 MNIST training images, then to turn one
 * epoch of them into float batches (what the DataLoader does before making
 * tensors). Goal: load under 2 s at about one byte per pixel.
 *
 *   npx tsx bench/mnist-load.ts
 */
import { resourceUsage } from 'node:process';
import { sizeOf } from '@gradstream/core';
import { DataLoader, mnist } from '@gradstream/datasets';

const MB = 1024 * 1024;
const GOAL_MS = 2000;
// "About one byte per pixel": the pixels themselves plus labels and allocator slack, not a float copy (4).
const GOAL_BYTES_PER_PIXEL = 1.5;
// resourceUsage().maxRSS is in kilobytes.
const peakMB = () => (resourceUsage().maxRSS / 1024).toFixed(1);
const peakBefore = peakMB();
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const train = mnist('train');
const loadMs = performance.now() - t0;
const rssDelta = process.memoryUsage().rss - rssBefore;
const pixels = train.length * sizeOf(train.imageShape);

console.log(`mnist('train'): ${train.length} images, ${(pixels / MB).toFixed(1)} MB of pixels`);
console.log(`  load time        ${loadMs.toFixed(0)} ms`);
console.log(`  rss delta        ${(rssDelta / MB).toFixed(1)} MB (${(rssDelta / pixels).toFixed(2)} bytes per pixel)`);
console.log(`  peak rss         ${peakBefore} MB before load, ${peakMB()} MB after (maxRSS, whole process incl. tsx)`);

const t1 = performance.now();
let batches = 0;
for (const _ of new DataLoader(train, { batchSize: 64, shuffle: true }).arrays(0)) batches++;
console.log(
  `  one epoch of float batches (64, shuffled): ${batches} batches in ${(performance.now() - t1).toFixed(0)} ms`,
);
console.log(`  peak rss         ${peakMB()} MB after the epoch (short-lived float batches awaiting GC)`);

const fast = loadMs < GOAL_MS;
const lean = rssDelta / pixels <= GOAL_BYTES_PER_PIXEL;
console.log(
  `  verdict          ${fast && lean ? 'MEETS' : 'MISSES'} the goal (load < ${GOAL_MS / 1000} s: ${fast ? 'yes' : 'no'}, ` +
    `rss delta ≤ ${GOAL_BYTES_PER_PIXEL} bytes per pixel: ${lean ? 'yes' : 'no'})`,
);
