/**
 * The catalog in use, for the options page: its version, whether it is the one built in or a signed
 * update (from where, when, by which key), whether it is past its expiry, and the last update check.
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { CATALOG_KEYS } from '../catalog/catalog-keys';
import { keyIdHex, parsePublicKey } from '../engine/minisign';
import { providersInUse } from '../lib/catalog-for-pages';
import { parseCatalogUpdateCheck, type CatalogInUse } from '../lib/catalog-update';
import { t, uiLanguage } from '../lib/i18n';
import { STORAGE_KEYS, type CatalogUpdateCheck } from '../lib/storage';
import { onStateChanged } from '../lib/watch-changes';

const keyId = (key: string) => {
  const parsed = parsePublicKey(key);
  return parsed ? keyIdHex(parsed.keyId) : '?';
};
const when = (at: number) => new Date(at).toLocaleString(uiLanguage());

export function CatalogStatus() {
  const [inUse, setInUse] = useState<CatalogInUse>();
  const [check, setCheck] = useState<CatalogUpdateCheck>();

  useEffect(() => {
    // Both read before either is shown: the catalog in use never appears with "not checked yet".
    const load = async () => {
      const [{ inUse: current }, stored] = await Promise.all([providersInUse(), browser.storage.local.get(STORAGE_KEYS.catalogUpdateCheck)]);
      setCheck(parseCatalogUpdateCheck(stored[STORAGE_KEYS.catalogUpdateCheck]));
      setInUse(current);
    };
    void load();
    return onStateChanged(() => void load(), { keys: [STORAGE_KEYS.catalogUpdate, STORAGE_KEYS.catalogUpdateCheck] });
  }, []);

  if (!inUse) return null;
  return (
    <div class="catalog-status" data-testid="catalog-status" data-source={inUse.source} data-stale={String(inUse.stale)}>
      <p>
        {t('catalogStatusVersion', [String(inUse.version)])}{' '}
        {inUse.source === 'update' ? t('catalogStatusUpdate', [inUse.from, when(inUse.acceptedAt)]) : t('catalogStatusShipped')}
      </p>
      {inUse.stale && <p class="status error">{t('catalogStatusStale')}</p>}
      <p class="muted">{check ? t('catalogStatusLastCheck', [when(check.checkedAt), check.outcome]) : t('catalogStatusNeverChecked')}</p>
      <p class="muted">{t('catalogStatusKeys', [keyId(CATALOG_KEYS.current), keyId(CATALOG_KEYS.backup)])}</p>
    </div>
  );
}
