/** A data file's bytes (decompressed if it was gzipped) and the path or URL errors name it by. */
export interface FileBytes {
  readonly bytes: Uint8Array;
  readonly path: string;
}
