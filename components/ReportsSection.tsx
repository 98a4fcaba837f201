/**
 * The options page's failure reports (issue 11): off until the user turns them on, here, after being
 * shown exactly what would be sent, field by field (the next report in the queue, else the one the
 * latest verdict gives, else a sample), the country they may choose to add, and the report services.
 * In Firefox, turning them on asks for the optional data-collection permission at that click, and
 * choosing a country asks for location too; Chromium has no such permission. Turning them off deletes
 * the queued reports and gives the permission back.
 */
import { useEffect, useState } from 'preact/hooks';
import { ISO_3166_ALPHA2 } from '../engine/countries';
import { ask } from '../lib/ask';
import { releaseReportsPermission, reportsPermitted, requestReportsPermission } from '../lib/browser-adapter';
import { t, uiLanguage } from '../lib/i18n';
import { REPORT_FIELDS } from '../engine/report-format';
import { loadReportPreview, type ReportPreview } from '../lib/reports/preview';
import type { Settings } from '../lib/settings';
import { STORAGE_KEYS } from '../lib/storage';
import { onStateChanged } from '../lib/watch-changes';
import { problemText } from './SettingsEditor';

function countryNames(): Array<[string, string]> {
  let names: Intl.DisplayNames | undefined;
  try {
    names = new Intl.DisplayNames([uiLanguage()], { type: 'region' });
  } catch {
    names = undefined;
  }
  return ISO_3166_ALPHA2.map((code): [string, string] => [code, names?.of(code) ?? code]).sort((a, b) => a[1].localeCompare(b[1], uiLanguage()));
}

export function ReportsSection({ settings, onDone }: { settings: Settings; onDone: (message: string, ok: boolean) => void }) {
  const [preview, setPreview] = useState<ReportPreview>();
  const [busy, setBusy] = useState(false);
  // Firefox: the user may take the permission back in the add-ons manager; then nothing is sent
  // (the background deletes the queue), and this page says so rather than "on".
  const [permitted, setPermitted] = useState(true);

  useEffect(() => {
    const load = () =>
      void loadReportPreview(settings.country)
        .then(setPreview)
        .catch(() => undefined);
    load();
    void reportsPermitted().then(setPermitted);
    // The queue and the settings, not the failure log or the verdicts: a burst of failures must not
    // reload the options page. A report queued is a change of the queue.
    return onStateChanged(load, { keys: [STORAGE_KEYS.reports, STORAGE_KEYS.settings] });
  }, [settings.reportsEnabled, settings.country]);

  const noService = settings.reportUrls.length === 0;
  const on = settings.reportsEnabled && permitted;

  const turnOn = async () => {
    // First, in the click itself: Firefox grants a permission only from a user's gesture.
    const granted = await requestReportsPermission(settings.country !== '');
    if (!granted) return onDone(t('reportsPermissionRefused'), false);
    setBusy(true);
    const answer = await ask({ type: 'set-settings', settings: { reportsEnabled: true } }).finally(() => setBusy(false));
    if (answer.problems[0]) return onDone(problemText(answer.problems[0]), false);
    onDone(t('reportsTurnedOn'), true);
  };

  const turnOff = async () => {
    setBusy(true);
    await ask({ type: 'set-settings', settings: { reportsEnabled: false } }).finally(() => setBusy(false));
    await releaseReportsPermission(false);
    onDone(t('reportsTurnedOff'), true);
  };

  const chooseCountry = async (country: string) => {
    // A country is location data: Firefox asks for it on its own, when reports are on.
    if (country !== '' && settings.reportsEnabled && !(await requestReportsPermission(true))) {
      return onDone(t('reportsPermissionRefused'), false);
    }
    const answer = await ask({ type: 'set-settings', settings: { country } });
    if (answer.problems[0]) return onDone(problemText(answer.problems[0]), false);
    if (country === '') await releaseReportsPermission(true);
    onDone(country ? t('reportsCountrySet', [country]) : t('reportsCountryCleared'), true);
  };

  const caption = preview && { queued: 'reportsPreviewQueued', latest: 'reportsPreviewLatest', sample: 'reportsPreviewSample' }[preview.source];
  return (
    <section class="reports" id="reports" data-testid="reports" data-enabled={String(on)}>
      <h2>{t('reportsTitle')}</h2>
      <p>{t('reportsBody')}</p>
      <p class={on ? 'status ok' : 'muted'} data-testid="reports-state">
        {on ? t('reportsStateOn') : settings.reportsEnabled ? t('reportsPermissionGone') : t('reportsStateOff')}
      </p>
      {noService && <p class="muted">{t('reportsNoService')}</p>}
      {on ? (
        <button type="button" class="secondary" data-testid="reports-toggle" disabled={busy} onClick={() => void turnOff()}>
          {t('reportsTurnOff')}
        </button>
      ) : (
        <button type="button" data-testid="reports-toggle" disabled={busy || noService} onClick={() => void turnOn()}>
          {t('reportsTurnOn')}
        </button>
      )}
      <p>
        <label>
          {t('reportsCountryLabel')}{' '}
          <select data-testid="reports-country" value={settings.country} onChange={(e) => void chooseCountry((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{t('reportsCountryNone')}</option>
            {countryNames().map(([code, name]) => (
              <option key={code} value={code}>
                {name} ({code})
              </option>
            ))}
          </select>
        </label>
      </p>
      <p class="hint">{t('reportsCountryHint')}</p>
      {preview && caption && (
        <>
          <p>{t(caption)}</p>
          <dl class="endpoints report-preview" data-testid="report-preview" data-source={preview.source}>
            {REPORT_FIELDS.map((field) => (
              <div key={field} data-field={field}>
                <dt>
                  {t(`reportField_${field}`)} <code class="muted">{field}</code>
                </dt>
                <dd>
                  <code>{preview.report[field] ?? 'null'}</code>
                </dd>
              </div>
            ))}
          </dl>
          {preview.queued > 0 && <p class="muted" data-testid="reports-queued">{t('reportsQueued', [preview.queued])}</p>}
        </>
      )}
      <p class="hint">{t('reportsNotSent')}</p>
    </section>
  );
}
