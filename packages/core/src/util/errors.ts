import type { Shape } from '../backend/types.js';

/** Formats a shape the way error messages print it: [2,3,4]. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Base class of every error gradstream throws on purpose. `op` names the operation that refused its input. */
export class GradstreamError extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation (mismatch, wrong rank, empty output, bad axis). */
export class ShapeError extends GradstreamError {}

/** A dtype the operation or backend does not accept. */
export class DTypeError extends GradstreamError {}

/** A tensor was used after `dispose()`. */
export class DisposedTensorError extends GradstreamError {}

/** Asking for a backend that is not registered, or one that failed to start. */
export class BackendError extends GradstreamError {}

/** A gradient rule produced a gradient that disagrees with its input, or a function cannot be differentiated. */
export class GradientError extends GradstreamError {}

/** An argument outside its allowed values (a negative stride, a non-integer size, …). */
export class ArgumentError extends GradstreamError {}

/**
 * Memory for a tensor could not be allocated: on the host (a typed array
 * larger than the JavaScript engine allows) or in a backend's own memory.
 * `bytes` is the size of the failed request; `where` is the backend's name,
 * or `host` for arrays core builds before handing them to a backend.
 * A `BackendError`, so code catching backend failures catches this too.
 *
 * @example
 * ```ts
 * try {
 *   zeros([5e9]);
 * } catch (e) {
 *   if (e instanceof OutOfMemoryError) console.log(e.op, e.bytes); // zeros 20000000000
 * }
 * ```
 */
export class OutOfMemoryError extends BackendError {
  constructor(
    op: string,
    readonly bytes: number,
    readonly where: string,
    readonly detail = '',
    cause?: unknown,
  ) {
    super(op, `out of memory: cannot allocate ${bytes} bytes on ${where}${detail ? ` (${detail})` : ''}`);
    if (cause !== undefined) this.cause = cause;
  }
}

/** Formats an option value for an error message; unlike JSON.stringify it prints NaN and Infinity as such. */
export function fmtValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(fmtValue).join(',')}]`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * An options object carried a key the function does not know (a misspelling,
 * or an option of another library). Thrown instead of ignoring the key, so a
 * result is never silently computed without an option the caller asked for.
 *
 * @example
 * ```ts
 * try {
 *   conv2d(x, w, { paddding: 1 });
 * } catch (e) {
 *   if (e instanceof UnknownOptionError) console.log(e.key, e.accepted); // paddding ['stride', 'padding', …]
 * }
 * ```
 */
export class UnknownOptionError extends ArgumentError {
  constructor(
    op: string,
    readonly key: string,
    readonly accepted: readonly string[],
  ) {
    super(op, `unknown option '${key}'; accepted: ${accepted.length > 0 ? accepted.join(', ') : 'none'}`);
  }
}
