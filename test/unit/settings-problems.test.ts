/**
 * A refused setting is told in the user's words: the background names the setting only
 * (lib/settings.ts), and the options page says the rule it broke from the browser's i18n.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { problemText } from '../../components/SettingsEditor';
import { parseSettings } from '../../lib/settings';
import { getMessage, installFakes } from './fakes';

describe('a refused setting, as the options page says it', () => {
  beforeEach(() => {
    installFakes();
  });

  it('is the rule of the field that broke it, never an English reason from the background', () => {
    const { problems } = parseSettings({ dohResolvers: ['http://dns.example/dns-query'], probeBudgetMs: 'fast' });
    expect(problems).toEqual([{ key: 'dohResolvers' }, { key: 'probeBudgetMs' }]);
    expect(problemText(problems[0]!)).toBe(getMessage('optionsSettingInvalid_urls', ['1', '10']));
    expect(problemText(problems[1]!)).toBe(getMessage('optionsSettingInvalid_number', ['500', '60000']));
    expect(problemText(problems[0]!)).not.toBe('');
  });

  it('names a setting the editor has no field for', () => {
    expect(problemText({ key: 'country' })).toBe(getMessage('optionsErrorGeneric', ['country']));
    expect(problemText({ key: 'settings' })).toBe(getMessage('optionsErrorGeneric', ['settings']));
  });
});
