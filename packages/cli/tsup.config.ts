import { defineConfig } from 'tsup';

export default defineConfig({
  // dist/main.js is the bin (package.json "bin"); dist/index.js the library entry.
  entry: { main: 'src/bin.ts', index: 'src/index.ts', charts: 'src/charts.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  splitting: true,
});
