import { registerBackend } from '@gradstream/core';
import { CpuBackend } from './cpu-backend.js';

export { CpuBackend };

registerBackend('cpu', () => new CpuBackend(), { priority: 2 });
