/**
 * Why the site failed, in plain words: the engine's verdict (kind, and method or local cause), how
 * sure it is, and the evidence behind it, each sentence from the browser's i18n.
 */
import { evidenceMessageName, evidenceSubstitutions, isEvidenceCode, verdictMessageNames } from '../engine/evidence';
import type { Evidence, Verdict } from '../engine/types';
import { t } from '../lib/i18n';
import type { StoredVerdict } from '../lib/messages';
import { timeAgo } from './format';

function confidenceKey(confidence: number): string {
  if (confidence >= 0.8) return 'confidenceHigh';
  if (confidence >= 0.5) return 'confidenceMedium';
  return 'confidenceLow';
}

export function verdictHeadline(verdict: Verdict, host: string): string {
  const names = verdictMessageNames(verdict);
  const detail = names.method ?? names.localCause;
  return detail ? `${t(names.kind, [host])} ${t(detail, [host])}` : t(names.kind, [host]);
}

/**
 * The items the popup can say in words. The background validates stored verdicts already; this is
 * the second line, so an item it did not expect shows as nothing rather than as a raw key, or a
 * TypeError that blanks the popup.
 */
function renderable(evidence: unknown): Evidence[] {
  if (!Array.isArray(evidence)) return [];
  return evidence.filter((e): e is Evidence => !!e && typeof e === 'object' && typeof e.code === 'string' && isEvidenceCode(e.code));
}

export function VerdictCard({ stored, probing, now, onCheck }: {
  stored?: StoredVerdict;
  probing: boolean;
  now: number;
  onCheck?: () => void;
}) {
  if (!stored) {
    return probing ? (
      <div class="verdict checking" data-testid="verdict" data-kind="checking" aria-live="polite">
        {t('verdictChecking')}
      </div>
    ) : null;
  }
  const { verdict } = stored;
  const evidence = renderable(verdict.evidence);
  return (
    <div
      class={`verdict kind-${verdict.kind}`}
      data-testid="verdict"
      data-kind={verdict.kind}
      data-method={verdict.method ?? verdict.localCause ?? ''}
      aria-live="polite"
    >
      <p class="verdict-headline">{verdictHeadline(verdict, stored.host)}</p>
      <p class="verdict-meta">
        {t(confidenceKey(verdict.confidence))}
        {verdict.confirmed ? ` · ${t('verdictConfirmed')}` : ''} · {t('verdictCheckedAt', [timeAgo(stored.finishedAt, now)])}
      </p>
      {evidence.length > 0 && (
        <details class="evidence">
          <summary>{t('verdictEvidence')}</summary>
          <ul>
            {evidence.map((e, i) => (
              <li key={i} data-code={e.code}>
                {t(evidenceMessageName(e.code), evidenceSubstitutions(e))}
              </li>
            ))}
          </ul>
        </details>
      )}
      {onCheck && (
        <button type="button" class="secondary small" data-testid="check-again" disabled={probing} onClick={onCheck}>
          {probing ? t('verdictChecking') : t('verdictCheckAgain')}
        </button>
      )}
    </div>
  );
}
