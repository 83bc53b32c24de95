import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { bindExports } from '../src/runtime/kernel-exports.js';
import { KERNEL_SIGNATURES } from '../src/runtime/kernel-signatures.js';

const assembly = new URL('../assembly/', import.meta.url);

interface Signature {
  readonly params: Record<string, string>;
  readonly returns: string;
}

/** The exported functions of one AssemblyScript file, read with TypeScript's parser (AssemblyScript is its syntax). */
function functionsOf(file: string): Map<string, Signature> {
  const source = ts.createSourceFile(file, readFileSync(new URL(file, assembly), 'utf8'), ts.ScriptTarget.Latest);
  const found = new Map<string, Signature>();
  for (const node of source.statements) {
    if (!ts.isFunctionDeclaration(node) || !node.name) continue;
    if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    const params = Object.fromEntries(
      node.parameters.map((p) => [p.name.getText(source), p.type?.getText(source) ?? 'unknown']),
    );
    found.set(node.name.text, { params, returns: node.type?.getText(source) ?? 'void' });
  }
  return found;
}

/** What assembly/index.ts exports: its own functions and every `export { … } from './file'`. */
function moduleExports(): Map<string, Signature> {
  const index = 'index.ts';
  const source = ts.createSourceFile(index, readFileSync(new URL(index, assembly), 'utf8'), ts.ScriptTarget.Latest);
  const all = functionsOf(index);
  for (const node of source.statements) {
    if (!ts.isExportDeclaration(node) || !node.moduleSpecifier || !node.exportClause) continue;
    if (!ts.isNamedExports(node.exportClause)) continue;
    const from = functionsOf(`${(node.moduleSpecifier as ts.StringLiteral).text}.ts`);
    for (const spec of node.exportClause.elements) {
      const fn = from.get((spec.propertyName ?? spec.name).text);
      if (!fn) throw new Error(`assembly/index.ts re-exports ${spec.name.text}, which is not an exported function`);
      all.set(spec.name.text, fn);
    }
  }
  return all;
}

describe('the TypeScript bindings match the AssemblyScript exports', () => {
  it('every export, with its parameter names in order, their types and the result type', () => {
    const expected = moduleExports();
    const actual = new Map(
      Object.entries(KERNEL_SIGNATURES).map(([name, s]) => [name, { params: { ...s.params }, returns: s.returns }]),
    );
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, signature] of expected) {
      const mine = actual.get(name)!;
      // As text, not objects: toEqual ignores key order, and the order is the calling convention.
      const list = (params: Record<string, string>) =>
        Object.entries(params)
          .map(([p, type]) => `${p}: ${type}`)
          .join(', ');
      expect(list(mine.params), `parameters of ${name}`).toBe(list(signature.params));
      expect(mine.returns, `result of ${name}`).toBe(signature.returns);
    }
  });

  it('the compiled module exports each kernel with that many parameters', async () => {
    const bytes = readFileSync(new URL('../build/kernels-simd.wasm', import.meta.url));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
    const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
    const exported = Object.keys(instance.exports).filter((k) => typeof instance.exports[k] === 'function');
    expect(exported.sort()).toEqual(Object.keys(KERNEL_SIGNATURES).sort());
    expect(() => bindExports(instance.exports)).not.toThrow();
  });

  it('a module whose arity differs from the signatures is refused at load, naming the export', () => {
    const fake: Record<string, (...args: number[]) => number> = {};
    for (const [name, { params }] of Object.entries(KERNEL_SIGNATURES)) {
      const arity = Object.keys(params).length;
      fake[name] = new Function(...Array.from({ length: arity }, (_, i) => `a${i}`), 'return 0') as () => number;
    }
    expect(() => bindExports(fake)).not.toThrow();
    fake.matmul = (a: number) => a;
    expect(() => bindExports(fake)).toThrow(/matmul should take 19 arguments, the module has 1/);
  });
});
