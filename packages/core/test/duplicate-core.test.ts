import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Two copies of core, built from these sources at two paths as npm lays out a
// nested second copy, loaded into one Node process: the registry must name
// both copies instead of calling the backend unknown.
const coreDir = fileURLToPath(new URL('..', import.meta.url));
let root = '';
const appCore = () => join(root, 'node_modules/@gradstream/core');
const nestedCore = () => join(root, 'node_modules/@gradstream/backend-x/node_modules/@gradstream/core');

async function buildCopy(dir: string, version: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@gradstream/core', version, type: 'module' }));
  await build({
    config: false,
    entry: { index: join(coreDir, 'src/index.ts') },
    outDir: join(dir, 'dist'),
    format: ['esm'],
    dts: false,
    silent: true,
    external: ['rxjs'],
    define: { __GRADSTREAM_CORE_VERSION__: JSON.stringify(version) },
  });
}

function run(script: string): { out: string; warnings: string } {
  const file = join(root, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  const out = execFileSync(process.execPath, ['--no-warnings', file], { cwd: root, encoding: 'utf8' });
  const [stdout = '', warnings = ''] = out.split('\n--warnings--\n');
  return { out: stdout.trim(), warnings: warnings.trim() };
}

const captureWarnings = `const warned = []; console.warn = (m) => warned.push(String(m));
process.on('exit', () => process.stdout.write('\\n--warnings--\\n' + warned.join('\\n')));`;

describe('a second copy of @gradstream/core in one process', () => {
  beforeAll(async () => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'gradstream-two-cores-')));
    mkdirSync(join(root, 'node_modules'), { recursive: true });
    const rxjs = dirname(createRequire(join(coreDir, 'package.json')).resolve('rxjs/package.json'));
    symlinkSync(rxjs, join(root, 'node_modules/rxjs'));
    await buildCopy(appCore(), '0.1.0');
    await buildCopy(nestedCore(), '0.2.0');
  }, 120_000);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('setBackend on the copy without the backend names the copy that has it', () => {
    const { out } = run(`${captureWarnings}
      const app = await import(${JSON.stringify(join(appCore(), 'dist/index.js'))});
      const nested = await import(${JSON.stringify(join(nestedCore(), 'dist/index.js'))});
      nested.registerBackend('wasm', () => ({}));
      try { await app.setBackend('wasm'); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }`);
    expect(out).toContain("BackendError: setBackend: unknown backend 'wasm'");
    expect(out).toContain('A second copy of @gradstream/core is loaded');
    expect(out).toContain(
      `@gradstream/core 0.2.0 at ${nestedCore()}/ (registered: wasm), and 'wasm' is registered there`,
    );
    expect(out).toContain(`this one is @gradstream/core 0.1.0 at ${appCore()}/`);
    expect(out).toContain('npm ls @gradstream/core');
  });

  it('registering into a second copy warns once per backend, naming both copies', () => {
    const { out, warnings } = run(`${captureWarnings}
      const app = await import(${JSON.stringify(join(appCore(), 'dist/index.js'))});
      const nested = await import(${JSON.stringify(join(nestedCore(), 'dist/index.js'))});
      nested.registerBackend('wasm', () => ({}));
      nested.registerBackend('wasm', () => ({}));
      console.log(app.listBackends().join(',') + '|' + nested.listBackends().join(','));`);
    expect(out).toBe('|wasm');
    const lines = warnings.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`backend 'wasm' was registered into @gradstream/core 0.2.0 at ${nestedCore()}/`);
    expect(lines[0]).toContain(`@gradstream/core 0.1.0 at ${appCore()}/ (registered: none)`);
  });

  it('one copy loaded twice from the same place is not a second copy', () => {
    const { out, warnings } = run(`${captureWarnings}
      const url = ${JSON.stringify(`file://${join(appCore(), 'dist/index.js')}`)};
      const first = await import(url);
      const again = await import(url + '?reloaded');
      again.registerBackend('cpu', () => ({}));
      try { await first.setBackend('wasm'); } catch (e) { console.log(e.message); }`);
    expect(warnings).toBe('');
    expect(out).toContain("unknown backend 'wasm'");
    expect(out).not.toContain('second copy');
  });
});
