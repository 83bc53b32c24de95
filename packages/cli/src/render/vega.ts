import { Resvg } from '@resvg/resvg-js';
import { View, parse } from 'vega';
import { type TopLevelSpec, compile } from 'vega-lite';

/** Renders a Vega-Lite spec to SVG with Vega's headless renderer, which needs no canvas. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterizes an SVG to PNG bytes with resvg, text in the system's fonts. */
export function svgToPng(svg: string): Uint8Array {
  const resvg = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}

/** The look of the CLI's pictures of images and kernels: light text on a dark ground, no frames. */
export const DARK = {
  background: '#282828',
  font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif',
  view: { stroke: null },
  title: { color: '#e6e6e6', fontSize: 14, anchor: 'start' },
  header: { labelColor: '#bdbdbd', titleColor: '#e6e6e6', labelFontSize: 11, titleFontSize: 12 },
} as const;
