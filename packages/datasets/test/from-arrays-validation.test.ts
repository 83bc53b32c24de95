// fromArrays checks its arguments itself, so JavaScript callers (whom the
// types do not protect) get an ArgumentError naming the argument instead of
// `TypeError: Cannot read properties of undefined` from deep inside (issue 12).
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@gradstream/core';
import { fromArrays } from '@gradstream/datasets';

/** Calls fromArrays with arguments the types would refuse, as JavaScript may. */
const call = fromArrays as unknown as (...args: unknown[]) => unknown;
const pixels = [0, 1, 0.5, 0.25];
const labels = [0, 1];
const options = { imageShape: [1, 1, 2], classes: ['a', 'b'] };

describe('fromArrays validates what JavaScript can pass', () => {
  const cases: readonly [string, unknown[], RegExp][] = [
    [
      'no classes',
      [pixels, labels, { imageShape: [1, 1, 2] }],
      /options\.classes must be a non-empty array of class names \(strings\), got undefined/,
    ],
    [
      'classes not strings',
      [pixels, labels, { ...options, classes: [0, 1] }],
      /options\.classes .* got an array of length 2/,
    ],
    ['empty classes', [pixels, labels, { ...options, classes: [] }], /options\.classes must be a non-empty array/],
    ['classes a string', [pixels, labels, { ...options, classes: 'ab' }], /options\.classes .* got the string "ab"/],
    ['no options', [pixels, labels], /options \{ imageShape, classes, name\? \} are required, got undefined/],
    ['null options', [pixels, labels, null], /options .* are required, got null/],
    [
      'no imageShape',
      [pixels, labels, { classes: ['a', 'b'] }],
      /options\.imageShape must be \[channels, height, width\], got undefined/,
    ],
    [
      'imageShape of 2',
      [pixels, labels, { ...options, imageShape: [2, 2] }],
      /options\.imageShape .* got an array of length 2/,
    ],
    ['imageShape of strings', [pixels, labels, { ...options, imageShape: ['1', '1', '2'] }], /options\.imageShape/],
    ['name a number', [pixels, labels, { ...options, name: 3 }], /options\.name must be a string, got number 3/],
    [
      'no images',
      [undefined, labels, options],
      /images must be a Uint8Array, an array of numbers or an array of per-image arrays, got undefined/,
    ],
    ['images a number', [7, labels, options], /images must be .* got number 7/],
    [
      'an image not an array',
      [[[0, 1], 5], labels, options],
      /images\[1\] must be an array of pixel values, got number 5/,
    ],
    ['no labels', [pixels, undefined, options], /labels must be an array of class indices, got undefined/],
    ['labels an object', [pixels, { 0: 0 }, options], /labels must be an array of class indices, got an object/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        call(...args);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ArgumentError);
      expect((error as ArgumentError).op).toBe('fromArrays');
      expect((error as Error).message).toMatch(message);
    });
  }

  it('valid arguments still build the dataset', () => {
    const ds = call(pixels, labels, options) as ReturnType<typeof fromArrays>;
    expect(ds.length).toBe(2);
    expect([...ds.get(1).image]).toEqual([0.5, 0.25]);
  });
});
