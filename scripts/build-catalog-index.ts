/** Writes catalog/provider-index.json, the slice of catalog/providers.json the background carries. */
import { writeFileSync } from 'node:fs';
import { indexOf, providers } from '../catalog/catalog';

writeFileSync(new URL('../catalog/provider-index.json', import.meta.url), `${JSON.stringify(indexOf({ providers }), null, 1)}\n`);
console.log(`catalog/provider-index.json: ${providers.length} providers`);
