/** Side of an MNIST image and of the box its digit is scaled into. */
const FIELD = 28;
const BOX = 20;

/**
 * A drawing as MNIST's digits were made (LeCun et al.): the ink's bounding
 * box scaled, keeping its aspect ratio, to fit a 20×20 box (area-averaged,
 * so strokes stay grey at their edges), then placed in a 28×28 field so that
 * the centre of mass of the ink is at the field's centre.
 *
 * @param ink values in [0, 1] (0 = paper), `width`×`height`, row-major
 * @returns 784 values in [0, 1], or all zeros for an empty drawing
 * @example
 * ```ts
 * const pixels = mnistLike(inkFromCanvas(pad), pad.width, pad.height);
 * ```
 */
export function mnistLike(ink: ArrayLike<number>, width: number, height: number): Float32Array {
  const out = new Float32Array(FIELD * FIELD);
  let [x0, y0, x1, y1] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > 0)
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  if (x1 < 0) return out;
  const [w, h] = [x1 - x0 + 1, y1 - y0 + 1];
  const scale = BOX / Math.max(w, h);
  const [bw, bh] = [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
  const box = resample(ink, width, [x0, y0, w, h], bw, bh);
  // Centre of mass of the scaled digit, in box pixel centres.
  let [mass, mx, my] = [0, 0, 0];
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const v = box[y * bw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const [dx, dy] = [Math.round((FIELD - 1) / 2 - mx / mass), Math.round((FIELD - 1) / 2 - my / mass)];
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const [tx, ty] = [x + dx, y + dy];
      if (tx >= 0 && ty >= 0 && tx < FIELD && ty < FIELD) out[ty * FIELD + tx] = box[y * bw + x]!;
    }
  }
  return out;
}

/** Area-average resampling of the rectangle [x0, x0+w)×[y0, y0+h) of `src` to bw×bh. */
function resample(
  src: ArrayLike<number>,
  stride: number,
  [x0, y0, w, h]: readonly [number, number, number, number],
  bw: number,
  bh: number,
): Float32Array {
  const out = new Float32Array(bw * bh);
  const [sx, sy] = [w / bw, h / bh];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      // The source area this output pixel covers, with fractional coverage at its edges.
      const [ax, ay, ex, ey] = [bx * sx, by * sy, (bx + 1) * sx, (by + 1) * sy];
      let sum = 0;
      for (let y = Math.floor(ay); y < Math.ceil(ey); y++) {
        const cy = Math.min(ey, y + 1) - Math.max(ay, y);
        for (let x = Math.floor(ax); x < Math.ceil(ex); x++) {
          const cx = Math.min(ex, x + 1) - Math.max(ax, x);
          sum += cx * cy * src[(y0 + y) * stride + x0 + x]!;
        }
      }
      out[by * bw + bx] = sum / (sx * sy);
    }
  }
  return out;
}
