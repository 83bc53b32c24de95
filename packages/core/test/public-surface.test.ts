// The public API, made visible in review: every entry point that a library
// package's `exports` map publishes has its export names (values and types)
// written to test/public-surface/<entry>.txt. A change to the surface changes
// that file, so it shows in the diff; when the change is meant, refresh with
//   npx vitest run -u packages/core/test/public-surface.test.ts
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as core from '@gradstream/core';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The library packages: the CLI is a command, not an API. */
const packages = ['core', 'backend-cpu', 'backend-wasm', 'models', 'datasets'];

interface Entry {
  /** The import specifier, e.g. `@gradstream/core/nn`. */
  readonly specifier: string;
  /** Its TypeScript source. */
  readonly source: string;
}

/** Every subpath of a package's `exports`, under each condition, mapped from dist/*.js back to src/*.ts. */
function entriesOf(dir: string): Entry[] {
  const pkg = JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')) as {
    name: string;
    exports: Record<string, unknown>;
  };
  const entries = new Map<string, Entry>();
  const visit = (subpath: string, target: unknown, condition: string | undefined): void => {
    if (typeof target === 'string') {
      const m = /^\.\/dist\/(.+)\.js$/.exec(target);
      if (!m) return;
      const specifier = `${pkg.name}${subpath === '.' ? '' : subpath.slice(1)}${condition ? ` [${condition}]` : ''}`;
      entries.set(specifier, { specifier, source: `${root}packages/${dir}/src/${m[1]}.ts` });
    } else if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target)) {
        if (key === 'types') continue;
        visit(subpath, value, key === 'import' || key === 'default' ? condition : key);
      }
    }
  };
  for (const [subpath, target] of Object.entries(pkg.exports)) visit(subpath, target, undefined);
  // One file behind several names (`.` under the node condition and `./node`): keep the plain subpath's name.
  const bySource = new Map<string, Entry>();
  for (const e of entries.values()) {
    const seen = bySource.get(e.source);
    if (!seen || (seen.specifier.includes('[') && !e.specifier.includes('['))) bySource.set(e.source, e);
  }
  return [...bySource.values()];
}

const entries = packages.flatMap(entriesOf);

/** Whether a declaration is hidden from the published .d.ts: private, protected, #private or tagged @internal (tsup strips those). */
function hidden(d: ts.Declaration): boolean {
  const flags = ts.getCombinedModifierFlags(d);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  if (ts.isPropertyDeclaration(d) && ts.isPrivateIdentifier(d.name)) return true;
  return ts.getJSDocTags(d).some((t) => t.tagName.text === 'internal');
}

/** A class's public members, instance and static, as `Class.member`, so a leaked internal field shows up like an export. */
function classMembers(className: string, cls: ts.Symbol): string[] {
  const members: string[] = [];
  const add = (table: ts.SymbolTable | undefined, prefix: string) =>
    table?.forEach((m, key) => {
      const name = key as string;
      if (name === '__constructor' || name.startsWith('__@')) return;
      if ((m.declarations ?? []).every(hidden)) return;
      members.push(`${className}${prefix}${name}`);
    });
  add(cls.members, '.');
  add(cls.exports, '.static ');
  const ctor = cls.members?.get('__constructor' as ts.__String);
  if (ctor?.declarations?.some((d) => !hidden(d))) members.push(`${className}.constructor`);
  return members.sort();
}

/** Export names of each source, through TypeScript's checker so types count too: `name` for a value, `type Name` for a type only. */
function surfaces(): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    `${root}tsconfig.json`,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const program = ts.createProgram(
    entries.map((e) => e.source),
    config.options,
  );
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const e of entries) {
    const file = program.getSourceFile(e.source);
    if (!file) throw new Error(`${e.specifier}: ${e.source} is missing`);
    const names = checker.getExportsOfModule(checker.getSymbolAtLocation(file)!).flatMap((s) => {
      const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
      const name = target.flags & ts.SymbolFlags.Value ? s.name : `type ${s.name}`;
      return target.flags & ts.SymbolFlags.Class ? [name, ...classMembers(s.name, target)] : [name];
    });
    out.set(
      e.specifier,
      names.sort((a, b) => {
        const [ka, kb] = [a.replace(/^type /, ''), b.replace(/^type /, '')];
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      }),
    );
  }
  return out;
}

describe('public surface', () => {
  const all = surfaces();

  it.each(entries.map((e) => [e.specifier]))('%s', async (specifier) => {
    const file = specifier
      .replace(/^@gradstream\//, '')
      .replace(/[/ ]+/g, '_')
      .replace(/[[\]]/g, '');
    await expect(`${all.get(specifier)!.join('\n')}\n`).toMatchFileSnapshot(`./public-surface/${file}.txt`);
  });
});

/** Op helpers shared inside core; everything else an ops file exports must be public (op.ts, the op runner, is internal whole). */
const internalOps = new Set([
  'promoteTypes',
  'isFloat',
  'sumToShape',
  'assertDType',
  'composedConvBackpropInput',
  'composedConvBackpropFilter',
  'convOp',
  'unfoldOp',
  'foldOp',
  'perDim',
  'resolvePadding',
  'convGeometry',
  'convOutputShape',
  'windowGeometry',
  'planeOffsets',
  'composedReluBackward',
  'fusesReluBackward',
  'reluBackward',
  'fusesBatchNorm',
  'fusedBatchNormTraining',
  'fusesBatchNormInference',
  'fusedBatchNormInference',
  'composedMaxPoolBackward',
  'maxPoolBackward',
  'fusesSoftmaxCrossEntropy',
  'fusedSoftmaxCrossEntropy',
]);

it('every op export is either public or declared internal here', async () => {
  const dir = fileURLToPath(new URL('../src/ops/', import.meta.url));
  const missing: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'index.ts' && n !== 'op.ts')) {
    const mod = (await import(`../src/ops/${f}`)) as Record<string, unknown>;
    for (const name of Object.keys(mod)) {
      if (!internalOps.has(name) && !(name in core)) missing.push(`${f}: ${name}`);
    }
  }
  expect(missing, 'add these to src/ops/index.ts, or to internalOps in this test if they are not for users').toEqual(
    [],
  );
});
