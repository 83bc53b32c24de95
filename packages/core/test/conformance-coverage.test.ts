// The conformance kit covers the whole contract: its op tables are typed over
// UnaryOp/BinaryOp and its kernel table over Backend (a missing entry does not
// compile); here we check that the names agree with the cases the suite
// returns, and that ops beyond the old hand-written lists are really run.
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '@gradstream/backend-cpu';
import { type BinaryOp, type TensorInfo, registerBackend } from '@gradstream/core';
import { backendConformance } from '@gradstream/core/testing';
import { kernelCases } from '../src/testing/conformance.js';

/** A CPU backend whose `binary` computes `equal` instead of one op, for one dtype. */
function brokenBackend(name: string, breaks: { binary: BinaryOp; dtype: string }): CpuBackend {
  return new (class extends CpuBackend {
    override readonly name = name;
    override binary(op: BinaryOp, a: TensorInfo, b: TensorInfo): TensorInfo {
      return super.binary(op === breaks.binary && a.dtype === breaks.dtype ? 'equal' : op, a, b);
    }
  })();
}

describe('conformance coverage', () => {
  const names = backendConformance('cpu').map((c) => c.kernel);

  it('every kernel of the contract names cases the suite returns, and every case but storage covers a kernel', () => {
    const named = new Set(Object.values(kernelCases).flat());
    for (const n of named) expect(names).toContain(n);
    expect(names.filter((n) => !named.has(n))).toEqual(['storage']);
    expect(new Set(names).size).toBe(names.length);
  });

  // int32 comparisons other than equal/less were missing from the kit's hand-written list: a backend could get them wrong and pass.
  it.each(['notEqual', 'greater', 'greaterEqual', 'lessEqual'] as const)(
    "'binary int32/bool' catches a wrong int32 %s",
    async (op) => {
      const name = `broken-${op}-int32`;
      registerBackend(name, () => brokenBackend(name, { binary: op, dtype: 'int32' }), { priority: -1 });
      const binary = backendConformance(name, { numRuns: 300, seed: 3 }).find((c) => c.kernel === 'binary int32/bool')!;
      await expect(binary.run()).rejects.toThrow(new RegExp(`binary int32/bool: backend '${name}' disagrees`));
    },
  );
});
