import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests import the packages by name and run against their TypeScript sources,
// so `pnpm test` does not depend on a stale build (the .wasm is the exception:
// backend-wasm loads the module its build step compiled).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@gradstream\/core\/(nn|optim|train|testing)$/, replacement: src('core/src/$1/index.ts') },
      { find: /^@gradstream\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@gradstream\/backend-cpu$/, replacement: src('backend-cpu/src/index.ts') },
      { find: /^@gradstream\/backend-wasm$/, replacement: src('backend-wasm/src/index.ts') },
      // Tests run in Node, so the bare names resolve as Node does: through the `node` export condition.
      { find: /^@gradstream\/models(\/node)?$/, replacement: src('models/src/node.ts') },
      { find: /^@gradstream\/datasets(\/node)?$/, replacement: src('datasets/src/node.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
