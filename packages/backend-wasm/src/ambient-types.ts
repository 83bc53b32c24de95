/**
 * The WebAssembly types the published `.d.ts` mention, declared empty so a
 * Node project on `lib: ["es2023"]` with `@types/node` (which declares no
 * `WebAssembly` namespace) compiles them; with the DOM library they merge
 * into its full declarations.
 */
declare global {
  namespace WebAssembly {
    interface Memory {}
    interface Module {}
  }
}

export {};
