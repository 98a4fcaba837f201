import { t } from '../lib/i18n';

/** lang and dir from the browser's i18n, so Persian or Arabic (right to left) work when added. */
export function applyDocumentLanguage(): void {
  document.documentElement.lang = t('@@ui_locale').replace('_', '-');
  document.documentElement.dir = t('@@bidi_dir');
}
