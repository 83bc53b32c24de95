// Bundled into dist by tsup, so the installed bin reads no file at run time.
import packageJson from '../../package.json';

/** This package's version, as its package.json and the registry know it. */
export const VERSION: string = packageJson.version;
