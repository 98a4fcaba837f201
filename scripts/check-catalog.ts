/**
 * The build's catalog gate: catalog/providers.json must pass the same schema and onion policy a
 * signed update must (catalog/validate-catalog.ts): every onion a valid v3 address with at least one
 * source, `provider_published` only with a source the provider published, every link http(s).
 *
 *   npm run catalog:check          (exit 1 with the path of the first bad field)
 *
 * wxt.config.ts calls shippedCatalogProblem() so that `npm run build` fails the same way.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeInvalid, parseCatalogBytes } from '../catalog/validate-catalog';

export const SHIPPED_CATALOG = new URL('../catalog/providers.json', import.meta.url);

/** Undefined when the shipped catalog is good; otherwise the first problem, naming its field. */
export function shippedCatalogProblem(bytes: Uint8Array = readFileSync(SHIPPED_CATALOG)): string | undefined {
  const result = parseCatalogBytes(bytes, { requireSigningFields: true });
  return result.ok ? undefined : describeInvalid(result);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = shippedCatalogProblem();
  if (problem) {
    console.error(`catalog/providers.json is refused: ${problem}`);
    process.exit(1);
  }
  console.log('catalog/providers.json: schema and onion policy hold');
}
