/**
 * The popup's status view: every watched provider, its last known state and when it was learned,
 * "check now" for one or all. It renders what the background pushes (the popup reloads on storage
 * changes); it never polls and never decides a state itself (lib/provider-status.ts does).
 */
import { providerName } from '../catalog/catalog';
import { verdictMessageNames } from '../engine/evidence';
import { t } from '../lib/i18n';
import type { ProviderStatus, ProviderStatusResponse } from '../lib/messages';
import { timeAgo } from './format';

function detail(p: ProviderStatus): string | undefined {
  if (p.state === 'blocked' && p.method) return t(verdictMessageNames({ kind: 'censorship', method: p.method }).method!);
  if (p.state === 'local' && p.localCause) return t(verdictMessageNames({ kind: 'local', localCause: p.localCause }).localCause!);
  return undefined;
}

/** A catalog provider by its name; a domain the user added (`user:<domain>`) by itself. */
export const nameOf = (p: Pick<ProviderStatus, 'key' | 'origin'>): string =>
  p.origin === 'user' ? p.key.slice('user:'.length) : (providerName(p.key) ?? p.key);

function Row({ p, now, onCheck }: { p: ProviderStatus; now: number; onCheck: (key: string) => void }) {
  const extra = detail(p);
  const name = nameOf(p);
  return (
    <li class={`card provider state-${p.state}`} data-key={p.key} data-state={p.state} data-checking={String(p.checking)} aria-busy={p.checking}>
      <div class="provider-line">
        <span class="provider-name">{name}</span>
        <span class="provider-state">{p.checking ? t('statusChecking') : t(`statusState_${p.state}`)}</span>
      </div>
      {extra && !p.checking && <p class="provider-detail">{extra}</p>}
      <div class="provider-line">
        <span class="failure-meta">{p.at !== undefined ? `${p.host} · ${timeAgo(p.at, now)}` : p.host}</span>
        {/* aria-disabled, not disabled: a disabled button drops the keyboard focus to the page. */}
        <button type="button" class="secondary" aria-disabled={p.checking} aria-label={t('statusCheckOneLabel', [name])} onClick={() => !p.checking && onCheck(p.key)}>
          {t('statusCheckOne')}
        </button>
      </div>
    </li>
  );
}

export function StatusView({ status, now, onCheck, onCheckAll }: {
  status: ProviderStatusResponse | undefined;
  now: number;
  onCheck: (key: string) => void;
  onCheckAll: () => void;
}) {
  const run = status?.run;
  const running = run?.running ?? false;
  // What the view shows, in one attribute the end-to-end tests read off the real page.
  const summary = status ? [...new Set(status.providers.map((p) => p.state))].sort().map((state) => `${state}:${status.providers.filter((p) => p.state === state).length}`).join(',') : '';
  return (
    <section
      class="status-view"
      data-testid="status-view"
      aria-busy={!status}
      data-running={String(running)}
      data-done={run ? String(run.done) : ''}
      data-total={run ? String(run.total) : ''}
      data-summary={summary}
    >
      <div class="provider-line">
        <h2>{t('statusTitle')}</h2>
        {status && (
          <button type="button" data-testid="check-all" aria-disabled={running} onClick={() => !running && onCheckAll()}>
            {t('statusCheckAll')}
          </button>
        )}
      </div>
      {run && running && (
        <p class="status-progress" data-testid="check-progress" role="status">
          <progress max={run.total} value={run.done} /> {t('statusProgress', [run.done, run.total])}
        </p>
      )}
      {status && (
        <ul>
          {status.providers.map((p) => (
            <Row key={p.key} p={p} now={now} onCheck={onCheck} />
          ))}
        </ul>
      )}
    </section>
  );
}
