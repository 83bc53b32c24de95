import { describe, expect, it } from 'vitest';
import * as cli from '../src/index.js';
import { capture } from './capture.js';

describe('the package entry', () => {
  it('exports the command line as a library: main, EXIT, parseArgs, UsageError and the edges demo', () => {
    expect(Object.keys(cli).sort()).toEqual(
      [
        'COMMAND_NAMES',
        'EXIT',
        'HORIZONTAL_EDGE',
        'UsageError',
        'VERTICAL_EDGE',
        'edgeMap',
        'formatMap',
        'main',
        'parseArgs',
        'squareImage',
      ].sort(),
    );
  });

  it('main from the entry runs a command to its exit code', async () => {
    const stdout = capture();
    expect(await cli.main(['summary', '--dataset', 'xo'], { stdout, stderr: capture() })).toBe(cli.EXIT.ok);
    expect(stdout.text()).toContain('tiny for xo');
    expect(() => cli.parseArgs(['fly'])).toThrow(cli.UsageError);
  });
});
