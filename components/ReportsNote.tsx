/**
 * Under a censorship verdict in the popup: with reports on, how many others reported the same block
 * this week (the service's k-anonymous count, supporting evidence only); with reports off, the offer
 * to see what would be sent (the options page, where turning them on asks for consent). Nothing at
 * all in a build with no report service.
 */
import { t } from '../lib/i18n';
import type { ReportsView } from '../lib/reports/aggregates';

export function ReportsNote({ reports, onOffer }: { reports?: ReportsView; onOffer: () => void }) {
  if (!reports || reports.reportUrls === 0) return null;
  if (!reports.reportsEnabled) {
    return (
      <div class="notice reports-offer" data-testid="reports-offer">
        <p>{t('popupReportsOffer')}</p>
        <button type="button" class="secondary small" onClick={onOffer}>
          {t('popupReportsOfferButton')}
        </button>
      </div>
    );
  }
  const { support } = reports;
  if (!support) return null;
  return (
    <p class="muted reports-seen" data-testid="reports-seen" data-count={String(support.count)} data-method={support.method}>
      {support.country ? t('popupAggregate', [support.count, support.country]) : t('popupAggregateAnywhere', [support.count])}
    </p>
  );
}
