import { GradstreamError } from '@gradstream/core';

/** Why an export failed: lets callers branch without parsing messages. */
export type OnnxExportErrorCode = 'unsupported-module' | 'unsupported-op' | 'bad-option' | 'dynamic-batch';

/**
 * A model (or option) that cannot be written as ONNX. `path` is the dotted
 * module path ('' for the model itself) and `moduleClass` its class name.
 *
 * @example
 * ```ts
 * try { exportOnnx(model, { inputShape: [1, 3, 32, 32] }); }
 * catch (e) { if (e instanceof OnnxExportError) console.error(e.code, e.path, e.moduleClass); }
 * ```
 */
export class OnnxExportError extends GradstreamError {
  constructor(
    readonly code: OnnxExportErrorCode,
    readonly path: string,
    readonly moduleClass: string,
    message: string,
  ) {
    super('exportOnnx', message);
  }
}

/** "module 'features.3' (LocallyConnected2d)", or "the model (Net)" for the root. */
export function describeModule(path: string, moduleClass: string): string {
  return path === '' ? `the model (${moduleClass})` : `module '${path}' (${moduleClass})`;
}
