import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateJson, parseErrorOffset } from '../src/json-offset.js';

/** The value at `path` in `v`, by ordinary property access: the reference the locator is checked against. */
function at(v: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** A path into `v` steered by `choices`, stopping at a scalar or an empty container. */
function pathInto(v: unknown, choices: readonly number[]): (string | number)[] {
  const path: (string | number)[] = [];
  for (const c of choices) {
    const x = at(v, path);
    if (Array.isArray(x) && x.length) path.push(c % x.length);
    else if (x !== null && typeof x === 'object' && Object.keys(x).length)
      path.push(Object.keys(x)[c % Object.keys(x).length]!);
    else break;
  }
  return path;
}

describe('locateJson', () => {
  it('the bytes it points at parse to the value JSON.parse finds at that path', () => {
    const doc = fc
      .tuple(fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }), fc.integer({ min: 0, max: 2 }))
      .map(([v, indent]) => JSON.stringify(v, null, indent));
    fc.assert(
      fc.property(doc, fc.array(fc.nat(), { maxLength: 5 }), (text, choices) => {
        const parsed: unknown = JSON.parse(text);
        const path = pathInto(parsed, choices);
        const span = locateJson(text, path)!;
        const bytes = Buffer.from(text, 'utf8');
        expect(JSON.parse(bytes.subarray(span.start, span.last + 1).toString('utf8'))).toEqual(at(parsed, path));
      }),
      { numRuns: 500 },
    );
  });

  it('counts bytes, not UTF-16 units, and resolves a repeated key to its last occurrence', () => {
    const text = '{"note": "żółw ✓ 🐢", "data": [1], "data": [7, 8]}';
    const expected = Buffer.byteLength(text.slice(0, text.indexOf('8')));
    expect(locateJson(text, ['data', 1])).toEqual({ start: expected, last: expected });
  });

  it('is undefined for a path that leaves the document', () => {
    expect(locateJson('{"data": [[1]]}', ['data', 1])).toBeUndefined();
    expect(locateJson('{"data": [[1]]}', ['labels'])).toBeUndefined();
    expect(locateJson('[1, 2]', ['data'])).toBeUndefined();
    expect(locateJson('{"data": []}', ['data', 0])).toBeUndefined();
  });
});

describe('parseErrorOffset', () => {
  const messageOf = (text: string) => {
    try {
      JSON.parse(text);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error('parsed');
  };

  it('turns the position JSON.parse names into a byte offset', () => {
    const text = '{"é": [1, 2 3]}';
    expect(parseErrorOffset(text, messageOf(text))).toBe(Buffer.byteLength(text.slice(0, text.indexOf('3'))));
  });

  it('puts a text that ends too early at its end', () => {
    const text = '{"é": [[1, 2], [3, ';
    expect(parseErrorOffset(text, messageOf(text))).toBe(Buffer.byteLength(text));
  });
});
