import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'nn/index': 'src/nn/index.ts',
    'optim/index': 'src/optim/index.ts',
    'train/index': 'src/train/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  splitting: true,
  // Lets a loaded copy of core say which version it is when two copies meet (src/backend/core-copies.ts).
  define: { __GRADSTREAM_CORE_VERSION__: JSON.stringify(version) },
});
