import { softmax, tensor, tidy } from '@gradstream/core';
import { predict } from '@gradstream/core/train';
import type { LeNet5 } from '@gradstream/models';
import { standardizeImages } from './data.js';
import { mnistLike } from './preprocess.js';
import { drawMap, probabilityBars } from './tiles.js';

/** Stroke width on the 280×280 pad: about MNIST's pen after the 20-pixel box scaling. */
const PEN = 18;

/**
 * A pad to draw a digit on with mouse, pen or touch. After each stroke the
 * drawing is preprocessed as MNIST was and classified by `model()`.
 */
export function drawingPad(
  pad: HTMLCanvasElement,
  view: HTMLElement,
  model: () => LeNet5 | undefined,
): { readonly classify: () => void } {
  const ctx = pad.getContext('2d', { willReadFrequently: true })!;
  const clear = (): void => {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  ctx.strokeStyle = 'white';
  ctx.lineWidth = PEN;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const at = (e: PointerEvent): [number, number] => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) * pad.width) / r.width, ((e.clientY - r.top) * pad.height) / r.height];
  };
  pad.addEventListener('pointerdown', (e) => {
    pad.setPointerCapture(e.pointerId);
    ctx.beginPath();
    ctx.moveTo(...at(e));
  });
  pad.addEventListener('pointermove', (e) => {
    if (!pad.hasPointerCapture(e.pointerId)) return;
    ctx.lineTo(...at(e));
    ctx.stroke();
  });
  pad.addEventListener('pointerup', () => classify());

  const input = view.querySelector<HTMLCanvasElement>('#pad-input')!;
  const shown = view.querySelector<HTMLElement>('#prediction')!;
  const bars = view.querySelector<HTMLOListElement>('#probabilities')!;
  function classify(): void {
    const m = model();
    const rgba = ctx.getImageData(0, 0, pad.width, pad.height).data;
    const ink = Float32Array.from({ length: pad.width * pad.height }, (_, i) => rgba[i * 4]! / 255);
    const pixels = mnistLike(ink, pad.width, pad.height);
    drawMap(input, pixels, 28, 28);
    if (!m) return;
    const x = standardizeImages(pixels.slice());
    const probs = tidy(() =>
      softmax(predict(m, tensor(x, [1, 1, 28, 28])))
        .dataSync()
        .slice(),
    );
    const best = probs.indexOf(Math.max(...probs));
    shown.textContent = String(best);
    probabilityBars(bars, Array.from(probs), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  }
  view.querySelector('#clear')!.addEventListener('click', () => {
    clear();
    shown.textContent = '–';
    bars.replaceChildren();
  });
  return { classify };
}
