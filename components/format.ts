/** Numbers and times in the user's language, with the grammar the language needs. */
import { t, uiLanguage } from '../lib/i18n';

/** Russian needs three plural forms ("1 раз", "2 раза", "5 раз"); messages.json has times_one/few/many/other. */
export function plural(key: string, count: number): string {
  const form = new Intl.PluralRules(uiLanguage()).select(count);
  const message = t(`${key}_${form}`, [count]);
  return message === `${key}_${form}` ? t(`${key}_other`, [count]) : message;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1000],
];

/** "2 minutes ago", "2 минуты назад". */
export function timeAgo(at: number, now: number = Date.now()): string {
  const elapsed = Math.max(0, now - at);
  const format = new Intl.RelativeTimeFormat(uiLanguage(), { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (elapsed >= ms || unit === 'second') return format.format(-Math.floor(elapsed / ms), unit);
  }
  return '';
}
