/**
 * Adds a site to watch. The host permission is requested right here, inside the click: browsers grant
 * permission prompts only from a user gesture, and Firefox only before the handler's first await.
 */
import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { ask } from '../lib/ask';
import { normalizeHost } from '../engine/hosts';
import { messageKey, t } from '../lib/i18n';
import { originPattern } from '../lib/watch-list';
import { providerName } from '../catalog/catalog';
import { providerForHost } from '../catalog/provider-index';
import { requestProviders } from '../lib/provider-access';

export function AddSiteForm({ initial, onDone }: { initial: string; onDone: (message: string, ok: boolean) => void }) {
  const [value, setValue] = useState(initial);

  const submit = (event: Event) => {
    event.preventDefault();
    const domain = normalizeHost(value);
    if (!domain) {
      onDone(t('optionsError_not_a_domain'), false);
      return;
    }
    // A catalog provider's site: watching it means the provider's access, all its domains in one prompt.
    const provider = providerForHost(domain);
    const request = provider ? requestProviders([provider.id]) : browser.permissions.request({ origins: [originPattern(domain)] });
    void (async () => {
      try {
        const granted = await request;
        if (!granted) return onDone(t('optionsError_permission_not_granted'), false);
        if (provider) {
          await ask({ type: 'watch-refresh' });
          setValue('');
          return onDone(t('optionsAdded', [providerName(provider.id) ?? domain]), true);
        }
        const result = await ask({ type: 'watch-add', domain });
        if ('error' in result) return onDone(t(messageKey('optionsError', result.error)), false);
        setValue('');
        onDone(t('optionsAdded', [result.domain]), true);
      } catch (error) {
        onDone(t('optionsErrorGeneric', [String(error)]), false);
      }
    })();
  };

  return (
    <form class="add-site" onSubmit={submit}>
      <label for="add-site-input">{t('optionsAddLabel')}</label>
      <div class="row">
        <input
          id="add-site-input"
          name="domain"
          type="text"
          inputMode="url"
          autoComplete="off"
          spellcheck={false}
          value={value}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <button type="submit">{t('optionsAddButton')}</button>
      </div>
      <p class="hint">{t('optionsAddExplain')}</p>
    </form>
  );
}
