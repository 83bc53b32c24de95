/** A typed-array constructor taking a whole buffer. */
type ViewConstructor<T> = new (buffer: ArrayBufferLike) => T;

/**
 * A getter for a view over all of `memory`, made again only after the
 * memory grew: `memory.buffer` stays the same object until then, and is a
 * new one after. Hot paths take their views through this instead of making
 * one per call.
 */
export function wholeView<T extends { readonly buffer: ArrayBufferLike }>(
  memory: WebAssembly.Memory,
  View: ViewConstructor<T>,
): () => T {
  let view = new View(memory.buffer);
  return () => {
    if (view.buffer !== memory.buffer) view = new View(memory.buffer);
    return view;
  };
}
