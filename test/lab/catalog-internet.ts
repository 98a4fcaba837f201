/**
 * The lab internet with every catalog provider in it, for the status check ("check all"): each
 * provider gets its own public-looking address (11.66.1.N), both resolvers answer its names, and one
 * HTTPS and HTTP server per address serves a page under a lab certificate that covers every name.
 * Blocks act on single providers, as a censor blocking three of them would:
 *
 *   await catalogInternet(lab, { proton: 'dns', tuta: 'sni-reset', posteo: 'blackhole' });
 *
 * mailbox.org and systemli.org stay where `internet()` puts them (the lab's main site).
 */
import { indexedProviders } from '../../catalog/provider-index';
import type { Lab } from './lab';
import { addLoopbackAddresses, type FirewallRule } from './network';
import { internet } from './scenarios';
import { httpHandler, httpsHandler, page } from './sites';
import type { KeyPair } from './pki';
import { sniFilter } from './sni-filter';

/** How one provider is blocked for the user (the control is spared, as everywhere in the lab). */
export type ProviderBlock = 'dns' | 'sni-reset' | 'blackhole';

/** Providers the main lab internet already serves at LAB_IPS.site. */
const ALREADY_SERVED = new Set(['mailbox_org', 'systemli']);

export interface CatalogSite {
  id: string;
  ip: string;
  names: string[];
}

/** Every provider with a name to check, except those `internet()` serves. */
export const CATALOG_SITES: readonly CatalogSite[] = indexedProviders
  .filter((p) => p.checkUrl && !ALREADY_SERVED.has(p.id))
  .map((p, i) => ({
    id: p.id,
    ip: `11.66.1.${i + 1}`,
    names: [...new Set([...p.domains, new URL(p.checkUrl!).hostname])],
  }));

let certificate: Promise<KeyPair> | undefined;
/** One certificate for every catalog name (issued once per lab process: it is large). */
function catalogCertificate(lab: Lab): Promise<KeyPair> {
  certificate ??= lab.pki.issue({ names: CATALOG_SITES.flatMap((s) => s.names) });
  return certificate;
}

export async function catalogInternet(lab: Lab, blocks: Partial<Record<string, ProviderBlock>> = {}): Promise<void> {
  await internet(lab);
  await addLoopbackAddresses(CATALOG_SITES.map((s) => s.ip));
  const tls = await catalogCertificate(lab);
  const sitePage = page({ title: 'Lab webmail' });
  const https = httpsHandler(tls, sitePage);
  const http = httpHandler(sitePage);
  const rules: FirewallRule[] = [];
  await Promise.all(
    CATALOG_SITES.map(async (site) => {
      const block = blocks[site.id];
      for (const name of site.names) {
        lab.honest.set(name, { addrs: [site.ip] });
        lab.isp.set(name, block === 'dns' ? { rcode: 'NXDOMAIN' } : { addrs: [site.ip] });
      }
      if (block === 'blackhole') rules.push({ dst: site.ip, port: 443, action: 'drop-syn' }, { dst: site.ip, port: 80, action: 'drop-syn' });
      const secure = block === 'sni-reset' ? lab.censor(sniFilter({ blocked: site.names, pass: https }), https) : https;
      await Promise.all([lab.listen(site.ip, 443, secure), lab.listen(site.ip, 80, http)]);
    }),
  );
  if (rules.length > 0) await lab.firewall.addAll(rules);
}
