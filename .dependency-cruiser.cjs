/**
 * Detour's architecture rules, checked by dependency-cruiser. Run them with
 * `npm run check:architecture` (scripts/check-architecture.mjs), which is also the `architecture`
 * stage of `npm test`.
 *
 * Do not run a bare `depcruise` on this file: the project's `typescript` is 7 (the native port, which
 * has no JavaScript compiler API), so dependency-cruiser on its own finds no TypeScript parser and
 * silently skips every .ts/.tsx file. scripts/check-architecture.mjs hands it TypeScript 6's
 * compiler API (@typescript/typescript6) and tsconfig.json's path mapping, and fails unless every
 * source file was read.
 *
 * The layers, from the bottom: engine/ (pure detection logic) <- catalog/ (providers: data) <-
 * lib/ (the extension's logic) <- components/ <- entrypoints/. server/ and scripts/ stand beside the
 * extension and may use engine/. No arrow points up, and no import goes round a cycle.
 */

/**
 * npm packages engine/ may import: pure logic only, no I/O, no browser or Node API. Add a package
 * here only after checking it touches neither (and that it is in "dependencies").
 */
const ENGINE_ALLOWED_PACKAGES = ['@noble/ed25519', '@noble/hashes', '@scure/base'];

/** Browser-extension APIs, by package. */
const BROWSER_API_PACKAGES = '^node_modules/(wxt|webextension-polyfill|@wxt-dev/[^/]+|@types/(chrome|firefox-webext-browser|webextension-polyfill))/';
/**
 * WXT's `#imports` (its auto-imports: browser, storage, defineBackground ...). tsc knows it from the
 * `declare module '#imports'` in .wxt/types/imports-module.d.ts; it is no file, so it stays unresolved.
 */
const WXT_IMPORTS = '^#imports$';

/** The rest of the project, seen from engine/: every other top-level folder, and files at the root. */
const PROJECT_OUTSIDE_ENGINE = '^(?!engine/|node_modules/)[^/]+/|^[^/]+$';

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'An import cycle, type-only imports included: a cycle through `import type` is still a design ' +
        'cycle. Break it by moving the shared piece down a layer (or into its own module).',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import the checker cannot resolve the way tsc does. Fix the import (or the resolution) so ' +
        'that no edge escapes the other rules.',
      from: {},
      to: { couldNotResolve: true, pathNot: WXT_IMPORTS },
    },

    // --- engine/: pure. It imports engine/ and nothing else. ---------------------------------------
    {
      name: 'engine-no-node-api',
      severity: 'error',
      comment: 'engine/ is pure: no Node built-in (node:*, fs, net, ...).',
      from: { path: '^engine/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'engine-no-browser-api',
      severity: 'error',
      comment: 'engine/ is pure: no browser-extension API (wxt, wxt/*, #imports, webextension-polyfill, @wxt-dev/*).',
      from: { path: '^engine/' },
      to: { path: [BROWSER_API_PACKAGES, WXT_IMPORTS] },
    },
    {
      name: 'engine-no-upward',
      severity: 'error',
      comment: 'engine/ is the bottom layer: it imports nothing from the rest of the project.',
      from: { path: '^engine/' },
      to: { path: PROJECT_OUTSIDE_ENGINE, dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'engine-only-engine',
      severity: 'error',
      comment:
        'engine/ imports only engine/ and the npm packages listed in ENGINE_ALLOWED_PACKAGES ' +
        '(.dependency-cruiser.cjs).',
      from: { path: '^engine/' },
      to: {
        dependencyTypesNot: ['core'],
        couldNotResolve: false,
        pathNot: [
          '^engine/',
          BROWSER_API_PACKAGES,
          PROJECT_OUTSIDE_ENGINE,
          ...ENGINE_ALLOWED_PACKAGES.map((name) => `^node_modules/${escape(name)}/`),
        ],
      },
    },

    // --- catalog/: engine/ and JSON below it, nothing above. ------------------------------------
    {
      name: 'catalog-no-upward',
      severity: 'error',
      comment:
        'catalog/ sits just above engine/: it never imports lib/, components/, entrypoints/ or server/ ' +
        "(nor WXT's #imports).",
      from: { path: '^catalog/' },
      to: { path: ['^(lib|components|entrypoints|server)/', WXT_IMPORTS] },
    },
    {
      name: 'catalog-only-engine-and-json',
      severity: 'error',
      comment:
        'catalog/ imports only catalog/, engine/ and JSON data: no npm package, no Node built-in, nothing ' +
        'from scripts/ or test/.',
      from: { path: '^catalog/' },
      to: {
        couldNotResolve: false,
        pathNot: ['^(catalog|engine)/', '\\.json$', '^(lib|components|entrypoints|server)/'],
      },
    },

    // --- lib/: below the UI. ---------------------------------------------------------------------
    {
      name: 'lib-no-ui',
      severity: 'error',
      comment: 'lib/ sits below the UI: it never imports components/ or entrypoints/.',
      from: { path: '^lib/' },
      to: { path: '^(components|entrypoints)/' },
    },

    // --- server/: beside the extension, sharing only engine/. ----------------------------------
    {
      name: 'server-not-to-extension',
      severity: 'error',
      comment:
        "server/ shares only engine/ with the extension: never lib/, components/, entrypoints/ (nor WXT's #imports).",
      from: { path: '^server/' },
      to: { path: ['^(lib|components|entrypoints)/', WXT_IMPORTS] },
    },
  ],
  options: {
    // Type-only imports (`import type`, `import('…').T`) are edges too.
    tsPreCompilationDeps: true,
    // No `tsConfig` here on purpose: dependency-cruiser's own tsconfig-paths resolution reads the
    // `paths` that tsconfig.json inherits from WXT's .wxt/tsconfig.json relative to the wrong folder
    // (`@/lib/x` -> ../lib/x). scripts/check-architecture.mjs parses tsconfig.json with TypeScript
    // itself and hands dependency-cruiser the result, paths resolved the way tsc resolves them.
    // npm packages stay in the graph as leaves (so the rules see imports of them), unread.
    doNotFollow: { path: '(^|/)node_modules/' },
    // Never `node_modules` here: an excluded module vanishes from the graph with every import of it.
    exclude: { path: '(^|/)(\\.output|\\.wxt|test-results)/' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.jsx', '.json'],
    },
    // Keep `import('…')` type expressions and JSDoc `@import` as edges as well.
    detectJSDocImports: true,
    cache: false,
  },
};
