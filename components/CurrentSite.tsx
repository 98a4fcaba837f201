/** The popup's first card: what happened on the site of the current tab, and why. */
import type { HostState } from '../lib/messages';
import { t } from '../lib/i18n';
import { supportedByReports } from '../engine/report-support';
import { FailureSummary } from './FailureSummary';
import type { ReportsView } from '../lib/reports/aggregates';
import { ReportsNote } from './ReportsNote';
import { VerdictCard } from './VerdictCard';
import { WayAround } from './WayAround';

export type Current =
  | { kind: 'loading' }
  | { kind: 'watched'; state: HostState }
  | { kind: 'not-watched'; host?: string };

export function CurrentSite({ current, now, onWatch, onCheck, reports, onOfferReports }: {
  current: Current;
  now: number;
  onWatch: (host: string) => void;
  onCheck: (host: string) => void;
  /** Reports for the current verdict (censorship only): others' count, or the offer to opt in. */
  reports?: ReportsView;
  onOfferReports?: () => void;
}) {
  if (current.kind === 'loading') return <section class="card current" aria-busy="true" />;
  if (current.kind === 'not-watched') {
    return (
      <section class="card current not-watched" data-testid="current">
        <p>{current.host ? t('popupCurrentNotWatchedHost', [current.host]) : t('popupCurrentNotWatched')}</p>
        {current.host && (
          <button type="button" class="secondary" onClick={() => onWatch(current.host!)}>
            {t('popupWatchThisSite')}
          </button>
        )}
      </section>
    );
  }
  const { state } = current;
  const latest = state.failures[0];
  // The background judged at its last answer, and the popup asks again only when storage changes: a
  // failure that ages out of the recent window while the popup stays open changes nothing stored.
  const failing = latest && state.failedRecently && (state.recentUntil === undefined || now <= state.recentUntil);
  // A status check's failure is not the user's (nothing in the log), but its verdict is no less true:
  // "no problems seen" above it would contradict it.
  const checkedBad = !latest && state.verdict !== undefined && state.verdict.verdict.kind !== 'ok';
  return (
    <section class={`card current ${failing || checkedBad ? 'failed' : 'ok'}`} data-testid="current" data-host={state.host}>
      {failing ? (
        <FailureSummary host={state.host} entry={latest} now={now} />
      ) : checkedBad ? null : (
        <p>{latest ? t('popupCurrentRecovered', [state.host]) : t('popupCurrentOk', [state.host])}</p>
      )}
      <VerdictCard stored={supported(state.verdict, reports)} probing={state.probing} now={now} onCheck={() => onCheck(state.host)} />
      {state.verdict?.verdict.kind === 'censorship' && !state.probing && <ReportsNote reports={reports} onOffer={() => onOfferReports?.()} />}
      {!state.probing && <WayAround state={state} />}
    </section>
  );
}

/** Others' reports lend a censorship verdict of the same method a little confidence, never more (engine/report-support.ts). */
function supported(stored: HostState['verdict'], reports: ReportsView | undefined): HostState['verdict'] {
  if (!stored || !reports?.support) return stored;
  return { ...stored, verdict: supportedByReports(stored.verdict, reports.support) };
}
