// esbuild as a web developer's bundler runs it, on this monorepo's sources: `@gradstream/<pkg>`
// resolves through the package's own `exports` map (with --platform=browser the `node`
// condition is skipped), and each resolved `dist/` file is swapped for its TypeScript source,
// so tests read the sources, not a stale build.
import { existsSync } from 'node:fs';
import { type BuildResult, type Metafile, type Plugin, build } from 'esbuild';

/** `packages/x/dist/a/b.js` → `packages/x/src/a/b.ts` (tsup builds each entry under its source path). */
const sourcesInsteadOfDist: Plugin = {
  name: 'sources-instead-of-dist',
  setup(b) {
    b.onResolve({ filter: /^@gradstream\// }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'resolving',
      });
      // esbuild checks that the target exists: the packages must have been built once (pnpm install does).
      if (resolved.errors.length > 0)
        return { errors: resolved.errors.map((e) => ({ ...e, text: `${e.text} (is ${args.path} built?)` })) };
      const source = resolved.path.replace(/\/dist\/(.*)\.js$/, '/src/$1.ts');
      if (!existsSync(source)) return { errors: [{ text: `${args.path} resolved to ${resolved.path}, no source` }] };
      return { path: source };
    });
  },
};

/** Bundles `contents` (ES module source, imports resolved from `resolveDir`) into one ES module. */
export async function bundle(
  contents: string,
  resolveDir: string,
  platform: 'browser' | 'node',
): Promise<BuildResult & { metafile: Metafile }> {
  return build({
    stdin: { contents, resolveDir, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    platform,
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [sourcesInsteadOfDist],
  });
}
