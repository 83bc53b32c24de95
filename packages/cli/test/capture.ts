import type { Output } from '../src/program/context.js';

/** An Output that records what was written, optionally reacting to each chunk. */
export function capture(onWrite?: (chunk: string) => void): Output & { readonly text: () => string } {
  const chunks: string[] = [];
  return {
    write(chunk: string) {
      chunks.push(chunk);
      onWrite?.(chunk);
      return true;
    },
    text: () => chunks.join(''),
  };
}
