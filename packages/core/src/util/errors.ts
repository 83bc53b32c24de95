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
