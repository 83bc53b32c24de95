// Compiles the AssemblyScript kernels in assembly/ into build/*.wasm.
//
// Four variants: {baseline SIMD, relaxed SIMD} × {shared memory (threads),
// private memory (browsers without cross-origin isolation)}. The loader picks
// one at run time with WebAssembly.validate.
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const asc = fileURLToPath(new URL('../node_modules/assemblyscript/bin/asc.js', import.meta.url));

// 4 GiB: the whole wasm32 address space. Shared memories must declare a
// maximum; V8 reserves the address range up front either way.
const MAX_PAGES = 65536;

const variants = [
  { name: 'kernels-simd-shared', relaxed: false, shared: true },
  { name: 'kernels-relaxed-shared', relaxed: true, shared: true },
  { name: 'kernels-simd', relaxed: false, shared: false },
  { name: 'kernels-relaxed', relaxed: true, shared: false },
];

function argsFor({ name, relaxed, shared }) {
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
  return args;
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
console.log(`backend-wasm: built ${variants.map((v) => `build/${v.name}.wasm`).join(', ')}`);
