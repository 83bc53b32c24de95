/**
 * The DOM type the published `.d.ts` mention (IndexedDB weights), declared
 * empty so a Node project on `lib: ["es2023"]` without the DOM library
 * compiles them; with the DOM library it merges into the full declaration.
 */
declare global {
  interface IDBFactory {}
}

export {};
