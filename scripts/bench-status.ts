/**
 * The status check's bench (issue 10): "Check all" over the whole catalog in the lab, with every
 * provider working, and with three blocked three ways at once. Time from the run's start to its last
 * result, as the background records it. Called by scripts/bench.ts once per browser.
 */
import type { ProviderStatusResponse } from '../lib/messages';
import { freshStart } from '../test/e2e/detour';
import { catalogInternet, type ProviderBlock } from '../test/lab/catalog-internet';
import type { Lab } from '../test/lab/lab';
import type { LabBrowser } from '../test/lab/lab-browser';

export const STATUS_BLOCKS: Record<string, ProviderBlock> = { proton: 'dns', tuta: 'sni-reset', posteo: 'blackhole' };

/** What each blocked provider must be named: the method, as the e2e test (status-check) accepts it. */
const EXPECTED_METHODS: Record<ProviderBlock, string[]> = { dns: ['dns'], 'sni-reset': ['http-failure', 'tls'], blackhole: ['tcp_ip'] };

export interface StatusSample {
  ms: number;
  right: boolean;
}

async function checkAll(browser: LabBrowser): Promise<ProviderStatusResponse> {
  const started = Date.now();
  await browser.sendMessage({ type: 'check-providers' });
  return browser.waitForMessage<ProviderStatusResponse>(
    { type: 'get-provider-status' },
    (s) => !!s.run && s.run.startedAt >= started && s.run.finishedAt !== undefined && !s.providers.some((p) => p.checking),
    60_000,
  );
}

export async function benchStatusCheck(browser: LabBrowser, lab: Lab, blocked: boolean): Promise<StatusSample> {
  await lab.reset();
  await catalogInternet(lab, blocked ? STATUS_BLOCKS : {});
  await freshStart(browser);
  const status = await checkAll(browser);
  const right = status.providers.every((p) => {
    const block = blocked ? STATUS_BLOCKS[p.key] : undefined;
    return block ? p.state === 'blocked' && EXPECTED_METHODS[block].includes(p.method ?? '') : p.state === 'works';
  });
  return { ms: status.run!.finishedAt! - status.run!.startedAt, right };
}
