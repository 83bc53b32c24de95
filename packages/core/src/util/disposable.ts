/**
 * `Symbol.dispose` as the published types use it (`Tensor` and `Module` are
 * `Disposable`, so `using t = …` frees them). TypeScript declares it only in
 * `lib: esnext` / `esnext.disposable` and in `@types/node`; a browser project
 * on `lib: ["es2023", "dom"]` would fail to compile our `.d.ts` without this,
 * and could not write `using`. Both declarations merge with TypeScript's own.
 */
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
  interface Disposable {
    [Symbol.dispose](): void;
  }
}

export {};
