// Every package of the monorepo, bundled for the browser as a web developer's bundler would
// (esbuild --platform=browser through each package's `exports` map; see esbuild-helpers.ts).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundle } from './esbuild-helpers.js';

const packagesDir = fileURLToPath(new URL('../../', import.meta.url));

interface PackageJson {
  readonly name: string;
  readonly exports?: Record<string, unknown>;
  readonly bin?: unknown;
}

/** The packages whose package.json has a main entry (`exports["."]`): the libraries and the CLI. */
const packages = readdirSync(packagesDir)
  .map((dir) => ({ dir: join(packagesDir, dir), file: join(packagesDir, dir, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ dir, file }) => ({ dir, json: JSON.parse(readFileSync(file, 'utf8')) as PackageJson }))
  .filter(({ json }) => json.exports?.['.'] !== undefined);

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Every import the bundle keeps or resolved (static, dynamic and require) that names a Node builtin. */
function builtinImports(metafile: Metafile): string[] {
  const seen = [
    ...Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path)),
    ...Object.values(metafile.outputs).flatMap((output) => output.imports.map((i) => i.path)),
  ];
  return [...new Set(seen.filter((p) => NODE_BUILTINS.has(p)))];
}

describe('browser bundles (esbuild --platform=browser)', () => {
  it('finds the packages to bundle; only programs keep a Node-only main entry', () => {
    expect(packages.filter((p) => p.json.bin !== undefined).map((p) => p.json.name)).toEqual(['@gradstream/cli']);
    expect(packages.map((p) => p.json.name)).toEqual(
      expect.arrayContaining([
        '@gradstream/core',
        '@gradstream/backend-cpu',
        '@gradstream/backend-wasm',
        '@gradstream/models',
        '@gradstream/datasets',
      ]),
    );
  });

  for (const { dir, json } of packages) {
    // The main entry and every other module subpath a page may import; `./node` is Node's by
    // name, and a program's main entry (a package with a `bin`: the CLI's `main(argv)`) is Node's
    // by nature. Patterns such as `./build/*.wasm` export files, not modules.
    const subpaths = Object.keys(json.exports ?? {}).filter(
      (k) => k !== './node' && !k.includes('*') && !(k === '.' && json.bin !== undefined),
    );
    for (const subpath of subpaths) {
      const specifier = json.name + subpath.slice(1);
      it(`bundles ${specifier} with no Node builtin in it`, async () => {
        const result = await bundle(`export * from '${specifier}';`, dir, 'browser');
        expect(result.errors).toEqual([]);
        const inputs = Object.keys(result.metafile.inputs);
        // The bundle really is the package's source, not an empty shell.
        expect(inputs.some((f) => f.includes(`${dir.slice(packagesDir.length)}/src/`))).toBe(true);
        expect(builtinImports(result.metafile)).toEqual([]);
        const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
        console.log(`${specifier}: ${inputs.length} files, ${(bytes / 1024).toFixed(0)} KiB`);
      });
    }
  }

  it('the node condition, not the browser build, reaches the file-reading loaders', async () => {
    const entry = "export { mnist } from '@gradstream/datasets'; export { saveWeights } from '@gradstream/models';";
    const dir = join(packagesDir, 'models');
    // Without the datasets dependency in models, resolve from the CLI, which depends on both.
    const cli = join(packagesDir, 'cli');
    await expect(bundle(entry, cli, 'browser')).rejects.toThrow(/No matching export .* "mnist"/);
    const node = await bundle(entry, cli, 'node');
    expect(node.errors).toEqual([]);
    expect(builtinImports(node.metafile)).toEqual(expect.arrayContaining(['node:fs', 'node:zlib']));
    const subpath = await bundle("export { saveWeights } from '@gradstream/models/node';", dir, 'node');
    expect(subpath.errors).toEqual([]);
  });
});
