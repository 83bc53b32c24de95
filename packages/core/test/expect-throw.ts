import { expect } from 'vitest';

/** Runs `f`, expects it to throw an instance of `type`, and returns the error for further checks. */
export function thrown<E extends Error>(f: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error('expected a throw');
}
