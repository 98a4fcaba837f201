/**
 * Onion-Location learning, end to end: the lab's real site announces an onion (a rend-spec test
 * vector; nothing ever dials it) in the header of its top-level HTTPS page. After one good visit,
 * the site is blocked, and the popup's way around shows that onion as announced by the site, apart
 * from the catalog's. Inside scripts/in-lab-netns.sh, in Chromium and both Firefox builds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostState } from '../../lib/messages';
import { LAB_ANNOUNCED_ONION } from '../lab/lab';
import { applyScenario, SCENARIOS } from '../lab/scenarios';
import { freshStart, launchDetour, startLabWithControl, TARGETS, type LabWithControl } from './detour';

let world: LabWithControl;
beforeAll(async () => {
  world = await startLabWithControl();
});
afterAll(async () => {
  await world?.close();
});

describe.each(TARGETS)('%s', (target) => {
  it('shows the onion a site announced on a good visit once the site is blocked', async () => {
    const browser = await launchDetour(target, world.lab);
    try {
      const ok = SCENARIOS.ok;
      // A reset at once leaves the probes their whole budget; a blackhole's stall leaves about 2 s,
      // which a loaded CI machine can spend on the canaries alone.
      const blocked = SCENARIOS['tls-sni-reset'];
      const host = new URL(ok.url).hostname;
      await freshStart(browser);
      await applyScenario(world.lab, ok);
      await browser.navigate(ok.url);
      // The header is remembered as the response arrives, written a moment after the page loaded.
      const learned = await browser.waitForMessage<HostState>({ type: 'get-state', host }, (s) => (s.announcedOnions?.length ?? 0) > 0, 5000);
      expect(learned.announcedOnions).toHaveLength(1);
      // Leave the page before the lab changes: a request of it cut by the change would be logged as a
      // failure, probed mid-change, and its verdict reused for the blocked visit (fresh for 60 s).
      await browser.navigate('about:blank');

      await applyScenario(world.lab, blocked);
      await browser.resetNetworkState();
      const started = Date.now();
      await browser.navigate(blocked.url, { waitMs: 300 });
      const state = await browser.waitForMessage<HostState>(
        { type: 'get-state', host },
        (s) => s.verdict !== undefined && s.verdict.startedAt >= started && !s.probing,
        25_000,
      );
      expect(state.verdict?.verdict.kind, JSON.stringify(state.verdict?.verdict)).toBe('censorship');
      expect(state.announcedOnions?.map((o) => o.url)).toEqual([`https://${LAB_ANNOUNCED_ONION}/`]);

      const shown = await browser.inspect(`popup.html?host=${host}`, '[data-testid=onion][data-origin=announced]');
      expect(shown.text).toContain(LAB_ANNOUNCED_ONION);
      expect(shown.text).toContain(host);
    } finally {
      await browser.close();
    }
  });
});
