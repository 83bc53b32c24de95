import { CURVES_DATA, type CurvePoint, curvesSpec } from '@gradstream/cli/charts';
import { View, parse } from 'vega';
import { compile } from 'vega-lite';

/** Live loss and accuracy curves: the CLI's chart spec, drawn as SVG in `el`, growing as points are added. */
export class Curves {
  private readonly view: View;

  constructor(el: HTMLElement) {
    const spec = compile(curvesSpec({ xTitle: 'step', splits: ['train', 'test'], width: 320, height: 200 })).spec;
    this.view = new View(parse(spec), { renderer: 'svg', container: el, hover: false });
    void this.view.runAsync();
  }

  /** Appends points and redraws. */
  add(points: readonly CurvePoint[]): void {
    void this.view.insert(CURVES_DATA, points).runAsync();
  }

  /** Removes every point (a new run starts from step 0). */
  clear(): void {
    void this.view.remove(CURVES_DATA, () => true).runAsync();
  }
}
