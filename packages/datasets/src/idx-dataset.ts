import { StoredDataset } from './dataset.js';
import { DatasetError } from './errors.js';
import type { FileBytes } from './file-bytes.js';
import { parseIdx } from './idx.js';
import type { RunLengthImages } from './run-length.js';

/** Which half of a dataset to load. */
export type Split = 'train' | 'test';

/** Offset of the first label in an IDX1 file (magic + one dimension). */
const LABELS_START = 8;

/**
 * Builds a dataset from an MNIST-layout pair of IDX files (images and labels,
 * already decompressed), checking that they agree with each other and with
 * `classes` before anything is returned. Node reads the pair from a directory,
 * a page from bytes or URLs; both end here, so both throw the same errors.
 */
export function idxPairDataset(
  name: string,
  split: Split,
  classes: readonly string[],
  imagesFile: FileBytes,
  labelsFile: FileBytes,
): StoredDataset {
  const images = parseIdx(imagesFile.bytes, imagesFile.path);
  return idxImagesDataset(
    name,
    split,
    classes,
    { dims: images.dims, path: imagesFile.path, pixels: images.data },
    labelsFile,
  );
}

/** An IDX images file already parsed (and its pixels maybe kept in runs): its dimensions, name and pixels. */
export interface IdxImages {
  readonly dims: readonly number[];
  readonly path: string;
  readonly pixels: Uint8Array | RunLengthImages;
}

/** Throws unless an images file has the 3 dimensions (count, height, width) of an image set. */
export function checkImageDims(dims: readonly number[], path: string): void {
  if (dims.length !== 3) {
    throw new DatasetError(
      'bad-dims',
      path,
      3,
      `images need 3 dimensions (count, height, width), file has ${dims.length}`,
    );
  }
}

/** {@link idxPairDataset} for images parsed by the caller (Node reads them a chunk at a time). */
export function idxImagesDataset(
  name: string,
  split: Split,
  classes: readonly string[],
  images: IdxImages,
  labelsFile: FileBytes,
): StoredDataset {
  const labels = parseIdx(labelsFile.bytes, labelsFile.path);
  checkImageDims(images.dims, images.path);
  if (labels.dims.length !== 1) {
    throw new DatasetError(
      'bad-dims',
      labelsFile.path,
      3,
      `labels need 1 dimension (count), file has ${labels.dims.length}`,
    );
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DatasetError(
      'count-mismatch',
      labelsFile.path,
      4,
      `${labels.dims[0]} labels for ${count} images in ${images.path}`,
    );
  }
  const bad = labels.data.findIndex((l) => l >= classes.length);
  if (bad >= 0) {
    throw new DatasetError(
      'label-range',
      labelsFile.path,
      LABELS_START + bad,
      `label ${labels.data[bad]} of image ${bad}; expected 0 to ${classes.length - 1}`,
    );
  }
  return new StoredDataset(`${name}-${split}`, [1, height, width], classes, images.pixels, labels.data);
}
