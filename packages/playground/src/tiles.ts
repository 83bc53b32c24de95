/**
 * Paints an h×w map onto `canvas` (sized to it; CSS scales it up pixelated),
 * stretched to its own min/max as the CLI's tile pictures are: black is the
 * map's lowest value, white its highest; a constant map is mid-grey.
 */
export function drawMap(canvas: HTMLCanvasElement, data: ArrayLike<number>, h: number, w: number): void {
  canvas.width = w;
  canvas.height = h;
  let [lo, hi] = [Infinity, -Infinity];
  for (let i = 0; i < h * w; i++) [lo, hi] = [Math.min(lo, data[i]!), Math.max(hi, data[i]!)];
  const image = new ImageData(w, h);
  for (let i = 0; i < h * w; i++) {
    const v = hi > lo ? Math.round(((data[i]! - lo) / (hi - lo)) * 255) : 128;
    image.data.set([v, v, v, 255], i * 4);
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** A new canvas showing one map, with an accessible label. */
export function mapCanvas(data: ArrayLike<number>, h: number, w: number, label: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.className = 'map';
  c.title = label;
  drawMap(c, data, h, w);
  return c;
}

/** Fills `list` with one bar per class, the most probable highlighted. */
export function probabilityBars(list: HTMLOListElement, probs: readonly number[], labels: readonly string[]): void {
  const best = probs.indexOf(Math.max(...probs));
  list.replaceChildren(
    ...probs.map((p, k) => {
      const item = document.createElement('li');
      item.className = k === best ? 'best' : '';
      item.innerHTML = `<span class="label">${labels[k]}</span><span class="bar" style="width:${(p * 100).toFixed(1)}%"></span><span class="value">${(p * 100).toFixed(1)}%</span>`;
      return item;
    }),
  );
}
