// @ts-check
/**
 * The architecture check (`npm run check:architecture`, the `architecture` stage of `npm test`):
 *
 * 1. dependency-cruiser, with the rules in .dependency-cruiser.cjs, over all of the project's own
 *    code: no import cycle (type-only imports included), engine/ imports only engine/, catalog/
 *    nothing above it, lib/ nothing of the UI, server/ nothing of the extension but engine/.
 * 2. A scan of engine/'s code (comments and strings skipped: it walks TypeScript's syntax tree) for
 *    the extension globals `browser` and `chrome`, which import rules cannot see.
 *
 * Prints every offending cycle and edge, one a line, and exits 1 if there is any (2 if the check
 * itself could not run).
 *
 * dependency-cruiser reads TypeScript through the `typescript` package's JavaScript compiler API,
 * which TypeScript 7 (the project's compiler, the native port) does not have; without it
 * dependency-cruiser silently skips every .ts file. So this script hands dependency-cruiser
 * @typescript/typescript6 instead (check-architecture-hooks.mjs), and fails unless the cruise read
 * every source file.
 *
 * Plain JavaScript run by node, not a .ts run by tsx: tsx's loader would inspect the 9 MB TypeScript
 * compiler on load, and that alone costs a second of CPU.
 */
import Module, { createRequire, register } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const started = performance.now();
const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

/** The project's own code: every folder that holds it, and the TypeScript files at the root. */
const SOURCE_DIRS = ['entrypoints', 'components', 'lib', 'engine', 'catalog', 'server', 'scripts', 'test'];
const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/;
const SKIPPED_DIRS = new Set(['node_modules', '.output', '.wxt', 'test-results']);
const CONFIG_FILE = './.dependency-cruiser.cjs';
/** Imports resolve the way tsc resolves them with this config (it extends WXT's .wxt/tsconfig.json). */
const TSCONFIG = 'tsconfig.json';

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`architecture: ${message}`);
  process.exit(2);
}

// --- Hand dependency-cruiser TypeScript 6's compiler API. -----------------------------------------
// ESM import('typescript') goes through the hook in check-architecture-hooks.mjs; the CommonJS
// require('typescript/package.json') of dependency-cruiser's version check through this patch.
register('./check-architecture-hooks.mjs', import.meta.url);
const FROM_DEPENDENCY_CRUISER = `${sep}node_modules${sep}dependency-cruiser${sep}`;
/** @type {{ _resolveFilename: (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string }} */
const cjs = /** @type {any} */ (Module);
const resolveFilename = cjs._resolveFilename;
cjs._resolveFilename = function (request, parent, ...rest) {
  if ((request === 'typescript' || request.startsWith('typescript/')) && parent?.filename?.includes(FROM_DEPENDENCY_CRUISER)) {
    request = `@typescript/typescript6${request.slice('typescript'.length)}`;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

const { cruise, getAvailableTranspilers } = await import('dependency-cruiser');
const { default: extractDepcruiseOptions } = await import('dependency-cruiser/config-utl/extract-depcruise-options');
const { default: extractTSConfig } = await import('dependency-cruiser/config-utl/extract-ts-config');
/** @type {typeof import('@typescript/typescript6')} */
const ts = createRequire(import.meta.url)('@typescript/typescript6');

const transpiler = /** @type {{ available: boolean, currentVersion?: string } | undefined} */ (
  getAvailableTranspilers().find((t) => t.name === 'typescript')
);
if (!transpiler?.available || !/^typescript@6\./.test(transpiler.currentVersion ?? '')) {
  fail(
    `dependency-cruiser has no TypeScript 6 parser (found: ${transpiler?.currentVersion?.replace(/^-$/, '') || 'none'}); ` +
      'is @typescript/typescript6 installed (npm install)?',
  );
}

// --- The project's source files, to prove the cruise read them all. --------------------------------
/** @param {string} dir @param {string[]} into */
function walk(dir, into) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIPPED_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (SOURCE_EXTENSIONS.test(entry.name)) into.push(relative(root, path).split(sep).join('/'));
  }
  return into;
}
const dirs = SOURCE_DIRS.filter((dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory());
const rootFiles = readdirSync(root).filter((name) => TYPESCRIPT.test(name) && statSync(name).isFile());
const sourceFiles = dirs.flatMap((dir) => walk(dir, [])).concat(rootFiles);

// --- 1. The dependency rules. -----------------------------------------------------------------------
const cruiseOptions = await extractDepcruiseOptions(CONFIG_FILE);
if (!statSync(join(root, '.wxt', 'tsconfig.json'), { throwIfNoEntry: false })) {
  fail(`.wxt/tsconfig.json, which ${TSCONFIG} extends, is missing: run \`npx wxt prepare\` (npm install does)`);
}
const tsConfig = extractTSConfig(TSCONFIG);
// tsconfig `paths` as enhanced-resolve aliases, against the folder tsc resolves them from: baseUrl if
// set, else the folder of the config that declares them (here .wxt/, TypeScript's pathsBasePath).
/** @type {{ paths?: Record<string, string[]>, baseUrl?: string, pathsBasePath?: string }} */
const { paths = {}, baseUrl, pathsBasePath } = tsConfig.options;
const pathsBase = baseUrl ?? pathsBasePath ?? root;
const alias = Object.entries(paths).map(([pattern, targets]) => ({
  name: pattern,
  onlyModule: !pattern.includes('*'), // a pattern without * matches only itself
  alias: targets.map((target) => resolve(pathsBase, target)),
}));
const reported = await cruise([...dirs, ...rootFiles], cruiseOptions, { alias }, { tsConfig });
if (typeof reported.output === 'string') fail('dependency-cruiser returned text, not a result');
const result = reported.output;

const cruised = new Set(result.modules.map((m) => m.source));
const missed = sourceFiles.filter((file) => !cruised.has(file));
if (missed.length > 0) {
  fail(`dependency-cruiser did not read ${missed.length} source file(s), so the check would prove nothing:\n  ${missed.join('\n  ')}`);
}

/** @type {Map<string, string>} */
const ruleComments = new Map();
for (const rule of cruiseOptions.ruleSet?.forbidden ?? []) {
  if (rule.name && rule.comment) ruleComments.set(rule.name, rule.comment);
}
/** An import statement's dependency types say it brings in types only (`import type`, `import('…').T`). */
const TYPE_ONLY = new Set(['type-only', 'type-import']);
/** @type {Map<string, boolean>} "from\nto" -> every import from `from` of `to` is type-only */
const typeOnlyEdges = new Map();
for (const m of result.modules) {
  for (const d of m.dependencies) {
    const key = `${m.source}\n${d.resolved}`;
    const typeOnly = d.dependencyTypes.some((t) => TYPE_ONLY.has(t));
    typeOnlyEdges.set(key, (typeOnlyEdges.get(key) ?? true) && typeOnly);
  }
}
/** @param {string} from @param {string} to */
const typeOnly = (from, to) => typeOnlyEdges.get(`${from}\n${to}`) === true;

/** dependency-cruiser names one violation per module on a cycle: report each cycle once, from its smallest module. */
/** @type {Map<string, string>} */
const cycles = new Map();
/** @type {string[]} */
const edges = [];
for (const v of result.summary.violations) {
  if (v.rule.name === 'no-circular' && v.cycle && v.cycle.length > 0) {
    const ring = [v.from, ...v.cycle.map((step) => step.name)];
    ring.pop(); // the cycle ends where it starts
    const smallest = ring.indexOf([...ring].sort()[0] ?? '');
    const canonical = [...ring.slice(smallest), ...ring.slice(0, smallest)];
    const key = canonical.join('\n');
    if (cycles.has(key)) continue;
    const text = canonical
      .map((name, i) => {
        const next = canonical[(i + 1) % canonical.length] ?? '';
        return `${name} ${typeOnly(name, next) ? '-(type only)->' : '->'} `;
      })
      .join('');
    cycles.set(key, `${text}${canonical[0]}`);
  } else {
    edges.push(`[${v.rule.name}] ${v.from} -> ${v.to}${typeOnly(v.from, v.to) ? ' (type only)' : ''}`);
  }
}

// --- 2. Extension globals in engine/. --------------------------------------------------------------
const GLOBALS = new Set(['browser', 'chrome']);
const GLOBAL_OBJECTS = new Set(['globalThis', 'window', 'self']);
/** @type {string[]} */
const globals = [];
for (const file of sourceFiles.filter((f) => f.startsWith('engine/') && SOURCE_EXTENSIONS.test(f))) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  /** @param {import('@typescript/typescript6').Node} node */
  const visit = (node) => {
    /** @type {string | undefined} */
    let name;
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const target = node.expression;
      if (ts.isIdentifier(target) && GLOBALS.has(target.text)) {
        name = target.text; // browser.runtime, chrome['storage']
      } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(target) && GLOBAL_OBJECTS.has(target.text) && GLOBALS.has(node.name.text)) {
        name = `${target.text}.${node.name.text}`; // globalThis.chrome, window.browser
      }
    } else if (ts.isTypeOfExpression(node) && ts.isIdentifier(node.expression) && GLOBALS.has(node.expression.text)) {
      name = `typeof ${node.expression.text}`;
    } else if (ts.isQualifiedName(node) && ts.isIdentifier(node.left) && GLOBALS.has(node.left.text)) {
      name = `${node.left.text}.${node.right.text} (as a type)`; // chrome.runtime.Port
    }
    if (name !== undefined) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      globals.push(`[engine-no-browser-global] ${file}:${line + 1} uses ${name}`);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

// --- Report. ------------------------------------------------------------------------------------------
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const count = cycles.size + edges.length + globals.length;
const size = `${result.summary.totalCruised} modules, ${result.summary.totalDependenciesCruised} imports, ${seconds} s`;
if (count === 0) {
  console.log(`architecture: no import cycle, no forbidden import, no browser global in engine/ (${size})`);
  process.exit(0);
}

console.error(`architecture: ${count} violation(s) (${size})`);
if (cycles.size > 0) {
  console.error(`\nImport cycles (${cycles.size}) [no-circular]: ${ruleComments.get('no-circular') ?? ''}`);
  for (const cycle of [...cycles.values()].sort()) console.error(`  ${cycle}`);
}
if (edges.length > 0) {
  console.error(`\nForbidden imports (${edges.length}):`);
  for (const edge of edges.sort()) console.error(`  ${edge}`);
  console.error('\n  Rules broken:');
  for (const rule of [...new Set(edges.map((e) => e.slice(1, e.indexOf(']'))))].sort()) {
    console.error(`    ${rule}: ${ruleComments.get(rule) ?? ''}`);
  }
}
if (globals.length > 0) {
  console.error(`\nExtension globals in engine/ (${globals.length}): engine/ is pure and never touches the extension API:`);
  for (const use of globals) console.error(`  ${use}`);
}
process.exit(1);
