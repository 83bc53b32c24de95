// Compiles the AssemblyScript kernels in assembly/ into build/*.wasm.
//
// Four variants: {baseline SIMD, relaxed SIMD} × {shared memory (threads),
// private memory (browsers without cross-origin isolation)}. The loader picks
// one at run time with WebAssembly.validate. The first variant also emits
// asc's declarations of the module's exports (the .wasm is the same with or
// without them), from which src/runtime/kernel-signatures.ts must follow.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseBindings, renderSignatures } from './kernel-signatures.mjs';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const asc = fileURLToPath(new URL('../node_modules/assemblyscript/bin/asc.js', import.meta.url));

// 4 GiB: the whole wasm32 address space. Shared memories must declare a
// maximum; V8 reserves the address range up front either way.
const MAX_PAGES = 65536;

const variants = [
  { name: 'kernels-simd-shared', relaxed: false, shared: true, bindings: true },
  { name: 'kernels-relaxed-shared', relaxed: true, shared: true },
  { name: 'kernels-simd', relaxed: false, shared: false },
  { name: 'kernels-relaxed', relaxed: true, shared: false },
];

function argsFor({ name, relaxed, shared, bindings }) {
  const args = [
    'assembly/index.ts',
    '-O3',
    '--noAssert',
    '--runtime',
    'stub',
    '--enable',
    'simd',
    '--importMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    String(MAX_PAGES),
    '-o',
    `build/${name}.wasm`,
  ];
  if (relaxed) args.push('--enable', 'relaxed-simd');
  if (shared) args.push('--enable', 'threads', '--sharedMemory');
  if (bindings) args.push('--bindings', 'raw');
  return args;
}

const signaturesFile = fileURLToPath(new URL('../src/runtime/kernel-signatures.ts', import.meta.url));

/**
 * Regenerates kernel-signatures.ts from the declarations asc just emitted
 * (then deletes them: they are not part of the package). A file that
 * differs, hand-edited or stale, is rewritten and fails the build, so a
 * changed kernel signature is always seen in review.
 */
async function checkSignatures({ name }) {
  const declarations = new URL(`../build/${name}.d.ts`, import.meta.url);
  const expected = renderSignatures(parseBindings(await readFile(declarations, 'utf8')));
  await rm(declarations);
  await rm(new URL(`../build/${name}.js`, import.meta.url));
  const actual = await readFile(signaturesFile, 'utf8').catch(() => '');
  if (actual === expected) return;
  await writeFile(signaturesFile, expected);
  process.stderr.write(
    'backend-wasm: src/runtime/kernel-signatures.ts did not match the exports of assembly/index.ts; ' +
      'it has been regenerated: review the change and build again\n',
  );
  process.exit(1);
}

await mkdir(new URL('../build', import.meta.url), { recursive: true });
try {
  await Promise.all(
    variants.map(async (v) => {
      const { stderr } = await run(process.execPath, [asc, ...argsFor(v)], { cwd: root });
      if (stderr.trim()) process.stderr.write(stderr);
    }),
  );
} catch (e) {
  process.stderr.write(`backend-wasm: asc failed\n${e.stderr ?? e.message}\n`);
  process.exit(1);
}
await checkSignatures(variants.find((v) => v.bindings));
console.log(`backend-wasm: built ${variants.map((v) => `build/${v.name}.wasm`).join(', ')}`);
