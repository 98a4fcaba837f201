/**
 * The options page's settings: every endpoint Detour may contact and every probe knob, editable. The
 * background validates (lib/settings.ts parseSettings) and saves nothing unless every field is valid;
 * each invalid field then says what it needs, in the user's language.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ask } from '../lib/ask';
import { t } from '../lib/i18n';
import { DEFAULT_SETTINGS, MAX_CATALOG_UPDATE_URLS, MAX_REPORT_URLS, type Settings, type SettingsProblem } from '../lib/settings';

type Field = 'dohResolvers' | 'canaries' | 'controlUrl' | 'catalogUpdateUrls' | 'reportUrls' | 'probeBudgetMs' | 'stallAfterMs';
type Draft = Record<Field, string>;

const lines = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l !== '');

function draftOf(s: Settings): Draft {
  return {
    dohResolvers: s.dohResolvers.join('\n'),
    canaries: s.canaries.map((c) => c.url).join('\n'),
    controlUrl: s.controlUrl,
    catalogUpdateUrls: s.catalogUpdateUrls.join('\n'),
    reportUrls: s.reportUrls.join('\n'),
    probeBudgetMs: String(s.probeBudgetMs),
    stallAfterMs: String(s.stallAfterMs),
  };
}

/** What the draft asks to store. A canary keeps the body it must answer with; a new one accepts any 2xx. */
function patchOf(draft: Draft, current: Settings): Partial<Settings> {
  return {
    dohResolvers: lines(draft.dohResolvers),
    canaries: lines(draft.canaries).map((url) => ({ url, expect: current.canaries.find((c) => c.url === url)?.expect ?? '' })),
    controlUrl: draft.controlUrl.trim(),
    catalogUpdateUrls: lines(draft.catalogUpdateUrls),
    reportUrls: lines(draft.reportUrls),
    probeBudgetMs: Number(draft.probeBudgetMs),
    stallAfterMs: Number(draft.stallAfterMs),
  };
}

/** The rule each field breaks, in words (the limits are lib/settings.ts's). */
const PROBLEM_TEXT: Record<Field, () => string> = {
  dohResolvers: () => t('optionsSettingInvalid_urls', [1, 10]),
  canaries: () => t('optionsSettingInvalid_canaries'),
  controlUrl: () => t('optionsSettingInvalid_urls', [0, 1]),
  catalogUpdateUrls: () => t('optionsSettingInvalid_urls', [0, MAX_CATALOG_UPDATE_URLS]),
  reportUrls: () => t('optionsSettingInvalid_urls', [0, MAX_REPORT_URLS]),
  probeBudgetMs: () => t('optionsSettingInvalid_number', [500, 60_000]),
  stallAfterMs: () => t('optionsSettingInvalid_number', [500, 120_000]),
};

/**
 * What to tell the user of a refused setting: its rule where the editor shows the field, else the
 * setting's name (reports' on/off and the country come from the page's own controls, whose values
 * always pass: the name is there for a bug report).
 */
export function problemText(problem: SettingsProblem): string {
  const rule = (PROBLEM_TEXT as Partial<Record<SettingsProblem['key'], () => string>>)[problem.key];
  return rule ? rule() : t('optionsErrorGeneric', [problem.key]);
}

const FIELDS: Array<{ field: Field; label: () => string; multiline: boolean }> = [
  { field: 'dohResolvers', label: () => t('optionsEndpointDoh'), multiline: true },
  { field: 'canaries', label: () => t('optionsEndpointCanaries'), multiline: true },
  { field: 'controlUrl', label: () => t('optionsEndpointControl'), multiline: false },
  { field: 'catalogUpdateUrls', label: () => t('optionsEndpointCatalog'), multiline: true },
  { field: 'reportUrls', label: () => t('optionsEndpointReports'), multiline: true },
  { field: 'probeBudgetMs', label: () => t('optionsSettingProbeBudget'), multiline: false },
  { field: 'stallAfterMs', label: () => t('optionsSettingStallAfter'), multiline: false },
];

export function SettingsEditor({ settings }: { settings: Settings }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(settings));
  const [problems, setProblems] = useState<SettingsProblem[]>([]);
  const [saved, setSaved] = useState<string>();

  // Saved elsewhere (another tab, the reset below): show what is stored now. Keyed on the content, so
  // a reload of the page's other data does not wipe what the user is typing; and only on a change,
  // because an effect runs after the first paint (up to 100 ms later in a background tab), by when
  // the user may have typed.
  const stored = JSON.stringify(settings);
  const shown = useRef(stored);
  useEffect(() => {
    if (shown.current === stored) return;
    shown.current = stored;
    setDraft(draftOf(settings));
  }, [stored]);

  const store = async (patch: Partial<Settings>, done: string) => {
    setSaved(undefined);
    const answer = await ask({ type: 'set-settings', settings: patch });
    setProblems(answer.problems);
    if (answer.problems.length === 0) setSaved(done);
  };

  const save = (event: Event) => {
    event.preventDefault();
    void store(patchOf(draft, settings), t('optionsSettingsSaved'));
  };

  const reset = () => void store(structuredClone(DEFAULT_SETTINGS) as Settings, t('optionsSettingsRestored'));

  const problemOf = (field: Field) => problems.find((p) => p.key === field);
  return (
    <section>
      <h2>{t('optionsEndpointsTitle')}</h2>
      <p>{t('optionsEndpointsBody')}</p>
      <form class="settings" data-testid="settings" onSubmit={save}>
        {FIELDS.map(({ field, label, multiline }) => {
          const id = `setting-${field}`;
          const problem = problemOf(field);
          const common = {
            id,
            name: field,
            value: draft[field],
            spellcheck: false,
            'aria-invalid': problem ? ('true' as const) : undefined,
            'aria-describedby': problem ? `${id}-problem` : undefined,
            onInput: (e: Event) => setDraft({ ...draft, [field]: (e.target as HTMLInputElement).value }),
          };
          return (
            <div class="setting" key={field}>
              <label for={id}>{label()}</label>
              {multiline ? (
                <textarea {...common} rows={Math.max(2, draft[field].split('\n').length)} />
              ) : (
                <input {...common} type="text" inputMode={field.endsWith('Ms') ? 'numeric' : 'url'} autoComplete="off" />
              )}
              {multiline && <p class="hint">{t('optionsSettingsOnePerLine')}</p>}
              {problem && (
                <p class="status error" id={`${id}-problem`} data-testid={`problem-${field}`}>
                  {PROBLEM_TEXT[field]()}
                </p>
              )}
            </div>
          );
        })}
        <div class="row">
          <button type="submit" data-testid="settings-save">
            {t('optionsSettingsSave')}
          </button>
          <button type="button" class="secondary" data-testid="settings-reset" onClick={reset}>
            {t('optionsSettingsReset')}
          </button>
        </div>
        {saved && (
          <p class="status ok" role="status" data-testid="settings-saved">
            {saved}
          </p>
        )}
      </form>
    </section>
  );
}
