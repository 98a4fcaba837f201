/** One host's latest failure in plain words, with the details a helper or a bug report needs. */
import type { FailureEntry } from '../lib/failure-log';
import { messageKey, reasonText, t } from '../lib/i18n';
import { plural, timeAgo } from './format';

function detail(entry: FailureEntry): string | undefined {
  if (entry.certificate) return t(messageKey('certificate', entry.certificate));
  if (entry.redirectHost) return t('redirectDetail', [entry.redirectHost]);
  if (entry.status !== undefined) return t('httpStatusDetail', [entry.status]);
  return undefined;
}

/** A main-frame request failing is the page failing to open, whichever listener saw it first. */
function sourceText(entry: FailureEntry): string {
  const source = entry.source === 'request' && entry.resourceType === 'main_frame' ? 'navigation' : entry.source;
  return t(messageKey('popupSource', source));
}

export function FailureSummary({ host, entry, now }: { host: string; entry: FailureEntry; now: number }) {
  const extra = detail(entry);
  return (
    <div class="failure" data-class={entry.class}>
      <p class="failure-sentence">{t('popupCurrentFailed', [host, reasonText(entry.class)])}</p>
      {extra && <p class="failure-extra">{extra}</p>}
      <p class="failure-meta">
        {[sourceText(entry), entry.count > 1 ? plural('times', entry.count) : '', t('popupLastSeen', [timeAgo(entry.lastAt, now)])]
          .filter(Boolean)
          .join(' · ')}
      </p>
      {entry.error && (
        <details class="failure-details">
          <summary>{t('popupDetails')}</summary>
          <code>{t('popupBrowserSaid', [entry.error])}</code>
        </details>
      )}
    </div>
  );
}
