/** Watched providers that failed recently, newest first; or the friendly empty state. */
import type { HostState } from '../lib/messages';
import { t } from '../lib/i18n';
import { FailureSummary } from './FailureSummary';
import { VerdictCard } from './VerdictCard';

export function RecentProblems({ hosts, watchedCount, exclude, now }: {
  hosts: HostState[];
  watchedCount: number;
  /** The current tab's host, already shown above. */
  exclude?: string;
  now: number;
}) {
  const shown = hosts.filter((h) => h.host !== exclude && h.failures.length > 0);
  if (shown.length === 0) {
    if (exclude) return null;
    if (watchedCount === 0) {
      return (
        <section class="empty" data-testid="nothing-watched">
          <p>{t('popupNothingWatched')}</p>
          <a href="/welcome.html" target="_blank" rel="noreferrer">
            {t('popupChooseProviders')}
          </a>
        </section>
      );
    }
    return (
      <section class="empty" data-testid="empty">
        <h2>{t('popupEmptyTitle')}</h2>
        <p>{t('popupEmptyBody', [watchedCount])}</p>
      </section>
    );
  }
  return (
    <section class="recent" data-testid="recent">
      <h2>{t('popupRecentTitle')}</h2>
      <ul>
        {shown.map((h) => (
          <li key={h.host} class="card" data-host={h.host}>
            <FailureSummary host={h.host} entry={h.failures[0]!} now={now} />
            <VerdictCard stored={h.verdict} probing={h.probing} now={now} />
          </li>
        ))}
      </ul>
    </section>
  );
}
