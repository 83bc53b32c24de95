/**
 * @gradstream/cli/charts — the chart specs the CLI renders to PNG, for any
 * page that wants the same pictures (the playground draws its live curves
 * with them). Browser-safe: Vega-Lite specs only, no rendering.
 *
 * @example
 * ```ts
 * import { curvesSpec, CURVES_DATA } from '@gradstream/cli/charts';
 * const view = await embed(el, curvesSpec({ xTitle: 'step', splits: ['train', 'test'] }));
 * view.insert(CURVES_DATA, [{ x: 1, metric: 'loss', split: 'train', value: 2.3 }]).run();
 * ```
 */
export { curvesSpec, CURVES_DATA, type CurvePoint, type CurvesSpecOptions } from './render/curves-spec.js';
