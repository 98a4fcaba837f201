// Module-resolution hook for scripts/check-architecture.ts (registered with node:module's register()).
// dependency-cruiser parses TypeScript with the `typescript` package's JavaScript compiler API, which
// TypeScript 7 (the project's `typescript`, the native port) no longer has. So, for imports made by
// dependency-cruiser only, `typescript` resolves to @typescript/typescript6, the JavaScript
// TypeScript 6 published to sit beside 7. Nothing else in the process is affected.
//
// `import('typescript')` gets a one-line ES module that require()s it: importing the 9 MB CommonJS
// file as ESM directly would make Node lex all of it for named exports, a second or so of CPU.
import { createRequire } from 'node:module';

const FROM_DEPENDENCY_CRUISER = /[\\/]node_modules[\\/]dependency-cruiser[\\/]/;
const TYPESCRIPT6 = createRequire(import.meta.url).resolve('@typescript/typescript6');
const SHIM =
  'data:text/javascript,' +
  encodeURIComponent(
    `import { createRequire } from 'node:module';\n` +
      `export default createRequire(${JSON.stringify(TYPESCRIPT6)})(${JSON.stringify(TYPESCRIPT6)});\n`,
  );

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  if (context.parentURL !== undefined && FROM_DEPENDENCY_CRUISER.test(context.parentURL)) {
    if (specifier === 'typescript') return { url: SHIM, format: 'module', shortCircuit: true };
    if (specifier.startsWith('typescript/')) {
      return nextResolve(`@typescript/typescript6${specifier.slice('typescript'.length)}`, context);
    }
  }
  return nextResolve(specifier, context);
}
