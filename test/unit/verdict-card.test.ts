/**
 * The popup's verdict card is the second line of defence: the background validates stored verdicts
 * (lib/stored-probe-state.ts), and the card still renders, rather than throwing, when an item it does
 * not know reaches it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ReportsNote } from '../../components/ReportsNote';
import { VerdictCard } from '../../components/VerdictCard';
import type { StoredVerdict } from '../../lib/messages';
import { installFakes } from './fakes';

/** Every element of a rendered tree, depth first (the card is a plain function of its props). */
function elements(node: unknown): Array<{ type: unknown; props: Record<string, unknown> }> {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (!node || typeof node !== 'object' || !('props' in node)) return [];
  const element = node as { type: unknown; props: Record<string, unknown> };
  return [element, ...elements(element.props.children)];
}

beforeEach(() => {
  fakeBrowser.reset();
  installFakes();
});

describe('VerdictCard', () => {
  it('shows the evidence it can say in words and skips what it cannot, without throwing', () => {
    const evidence = [
      { code: 'tls_failed_with_sni', params: { host: 'mailbox.org', failure: 'reset' } },
      { code: 42 },
      null,
      { code: 'no_such_code' },
      { params: {} },
      { code: 'canaries_ok', params: { ok: 2 } },
    ];
    const stored = {
      runId: 'r',
      host: 'mailbox.org',
      url: 'https://mailbox.org/',
      trigger: 'reset',
      startedAt: 1,
      finishedAt: 2,
      verdict: { kind: 'censorship', method: 'tls', confidence: 0.9, confirmed: false, evidence },
    } as unknown as StoredVerdict;
    const card = VerdictCard({ stored, probing: false, now: 10 });
    const items = elements(card).filter((e) => e.type === 'li');
    expect(items.map((e) => e.props['data-code'])).toEqual(['tls_failed_with_sni', 'canaries_ok']);
    expect(String(items[0]!.props.children)).toContain('mailbox.org');
  });

  it('renders a verdict whose evidence is not a list at all', () => {
    const stored = { runId: 'r', host: 'mailbox.org', url: 'https://mailbox.org/', trigger: 'user', startedAt: 1, finishedAt: 2, verdict: { kind: 'unknown', confidence: 0, confirmed: false, evidence: 'none' } } as unknown as StoredVerdict;
    expect(elements(VerdictCard({ stored, probing: false, now: 10 })).some((e) => e.type === 'li')).toBe(false);
  });
});

describe('ReportsNote (under a censorship verdict)', () => {
  const text = (node: unknown): string =>
    elements(node)
      .flatMap((e) => [e.props.children].flat())
      .filter((c): c is string => typeof c === 'string')
      .join(' ');

  it('says nothing in a build with no report service, offers the opt-in while off, and tells the count while on', () => {
    const offer = () => {};
    expect(ReportsNote({ reports: undefined, onOffer: offer })).toBeNull();
    expect(ReportsNote({ reports: { reportsEnabled: false, reportUrls: 0 }, onOffer: offer })).toBeNull();
    expect(text(ReportsNote({ reports: { reportsEnabled: false, reportUrls: 1 }, onOffer: offer }))).toContain('See what would be sent');
    expect(ReportsNote({ reports: { reportsEnabled: true, reportUrls: 1 }, onOffer: offer })).toBeNull();
    const seen = ReportsNote({ reports: { reportsEnabled: true, reportUrls: 1, support: { count: 12, method: 'dns', country: 'RU' } }, onOffer: offer });
    expect(text(seen)).toBe('Reports of the same block from RU this week: 12');
    const anywhere = ReportsNote({ reports: { reportsEnabled: true, reportUrls: 1, support: { count: 3, method: 'dns', country: null } }, onOffer: offer });
    expect(text(anywhere)).toBe('Reports of the same block this week: 3');
  });
});
