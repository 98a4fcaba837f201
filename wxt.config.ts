import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { catalogHostPatterns } from './catalog/provider-index';
import { readFileSync } from 'node:fs';
import { localeMessages } from './scripts/locales';
import { FINGERPRINTS_ASSET } from './lib/fingerprints-asset';
import { buildCatalogUrls, isTrustedEndpoint, MAX_CATALOG_UPDATE_URLS, MAX_REPORT_URLS } from './lib/settings';
import { shippedCatalogProblem } from './scripts/check-catalog';
import { parsePublicKey } from './engine/minisign';

// No build ships an onion without a source or a valid checksum: the same gate a signed update meets.
const catalogProblem = shippedCatalogProblem();
if (catalogProblem) throw new Error(`catalog/providers.json is refused: ${catalogProblem}`);

// The shipped control URL obeys the rule stored settings do (lib/settings.ts): https, or loopback.
const controlUrl = process.env.WXT_DETOUR_CONTROL_URL;
if (controlUrl && !isTrustedEndpoint(controlUrl)) {
  throw new Error(`WXT_DETOUR_CONTROL_URL must be an https URL (http only on loopback), got ${JSON.stringify(controlUrl)}`);
}

// The shipped catalog update URLs obey the same rule, at most MAX_CATALOG_UPDATE_URLS of them.
const catalogUrls = buildCatalogUrls(process.env.WXT_DETOUR_CATALOG_URLS);
if (catalogUrls.length > MAX_CATALOG_UPDATE_URLS || !catalogUrls.every(isTrustedEndpoint)) {
  throw new Error(`WXT_DETOUR_CATALOG_URLS must be up to ${MAX_CATALOG_UPDATE_URLS} https URLs (http only on loopback), got ${JSON.stringify(catalogUrls)}`);
}

// The shipped report services too (lib/reports/): reports are sent only after the user opts in.
const reportUrls = buildCatalogUrls(process.env.WXT_DETOUR_REPORT_URLS);
if (reportUrls.length > MAX_REPORT_URLS || !reportUrls.every(isTrustedEndpoint)) {
  throw new Error(`WXT_DETOUR_REPORT_URLS must be up to ${MAX_REPORT_URLS} https URLs (http only on loopback), got ${JSON.stringify(reportUrls)}`);
}

// A lab build trusts the lab's public test key for catalog updates (catalog/catalog-keys.ts): it goes
// to .output-lab/, apart from the shipped builds, and is never packaged.
const labCatalogKey = process.env.WXT_DETOUR_LAB_CATALOG_KEY;
if (labCatalogKey) {
  if (!parsePublicKey(labCatalogKey)) throw new Error(`WXT_DETOUR_LAB_CATALOG_KEY is not a minisign public key: ${JSON.stringify(labCatalogKey)}`);
  if (process.argv.includes('zip')) throw new Error('refused: a lab build (WXT_DETOUR_LAB_CATALOG_KEY) trusts a public test key and is never packaged');
}

// Firefox needs a stable id for storage, optional permissions and AMO; Android uses the same one.
export const GECKO_ID = 'detour@detour.invalid';

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Explicit imports everywhere: a newcomer can follow every name to its file.
  imports: false,
  ...(labCatalogKey ? { outDir: '.output-lab' } : {}),
  vite: () => ({ plugins: [preact()] }),
  hooks: {
    // `imports: false` hides WXT's auto-imports from the types but still runs its auto-import plugin
    // over the code, and that plugin takes a constructor's `private storage` parameter for a free
    // `storage`, bundling wxt/utils/storage (3 KB gzipped) into the background. No presets, no guesses.
    'config:resolved': (wxt) => {
      wxt.config.imports.presets = [];
      wxt.config.imports.imports = [];
    },
    // The background uses the browsers' own promise APIs, not webextension-polyfill: Firefox's
    // `browser` and Chromium MV3's `chrome` (Detour's only Chromium build) both return promises, and
    // the one thing the polyfill adds there, a promise returned from runtime.onMessage, is replaced by
    // sendResponse (entrypoints/background.ts). That keeps 2.7 KB gzipped out of the bundle the
    // browser compiles on every wake (its budget: `npm run size`). The pages keep the polyfill.
    'vite:build:extendConfig': (entrypoints, viteConfig) => {
      if (!entrypoints.some((entrypoint) => entrypoint.type === 'background')) return;
      const alias = viteConfig.resolve?.alias;
      const entries = Array.isArray(alias) ? alias : Object.entries(alias ?? {}).map(([find, replacement]) => ({ find, replacement }));
      viteConfig.resolve = { ...viteConfig.resolve, alias: [{ find: /^wxt\/browser$/, replacement: '@wxt-dev/browser' }, ...entries.filter((entry) => entry.find !== 'wxt/browser')] };
    },
    // Each language's messages.json gets the engine's verdict and evidence sentences merged in.
    'build:publicAssets': (_wxt, files) => {
      for (const [index, file] of files.entries()) {
        const lang = /^_locales\/([^/]+)\/messages\.json$/.exec(file.relativeDest)?.[1];
        if (lang) files[index] = { relativeDest: file.relativeDest, contents: JSON.stringify(localeMessages(lang)) };
      }
      // The engine's block-page fingerprints, read by the background only when a probe needs them.
      files.push({ relativeDest: FINGERPRINTS_ASSET, contents: readFileSync('engine/fingerprints.data.json', 'utf8') });
    },
  },
  zip: {
    // Without {{manifestVersion}} the Firefox MV2 and MV3 zips overwrite each other.
    artifactTemplate: '{{name}}-{{version}}-{{browser}}-mv{{manifestVersion}}.zip',
  },
  manifest: ({ browser, manifestVersion }) => {
    // Nothing at install: the first-run page asks for the providers the user picks (their catalog
    // root domains, one prompt), and the options page for any other site, one host at a time.
    const optionalHosts = [...catalogHostPatterns(), '*://*/*'];
    return {
      name: '__MSG_extName__',
      description: '__MSG_extDescription__',
      default_locale: 'en',
      permissions: [
        'storage',
        'webNavigation',
        'webRequest',
        'activeTab',
        // The next batch of opt-in failure reports is due (lib/reports/send-reports.ts): no warning
        // at install in any browser, and no alarm is set while reports are off.
        'alarms',
        // Firefox only: the system resolver's answer and Firefox's own captive-portal detector, both
        // used by the probes; neither shows a warning at install.
        ...(browser === 'firefox' ? ['dns', 'captivePortal'] : []),
      ],
      ...(manifestVersion === 3
        ? { optional_host_permissions: optionalHosts }
        : { optional_permissions: optionalHosts }),
      action: { default_title: '__MSG_extName__', default_popup: 'popup.html' },
      // Firefox's default MV3 policy adds upgrade-insecure-requests, which turns the probes' plain-HTTP
      // requests (canaries, http://<address>/) into HTTPS ones and every canary into a failure.
      ...(manifestVersion === 3 ? { content_security_policy: { extension_pages: "script-src 'self'; object-src 'self';" } } : {}),
      ...(browser === 'firefox'
        ? {
            browser_specific_settings: {
              gecko: {
                id: GECKO_ID,
                strict_min_version: '140.0',
                // Detour sends nothing by default. Failure reports are opt-in: asked for at the click
                // that turns them on (lib/browser-adapter.ts REPORT_DATA_COLLECTION): the watched domain
                // that failed (browsing activity), version, browser and failure (technical), and the
                // country only if the user chose one (location).
                data_collection_permissions: { required: ['none'], optional: ['browsingActivity', 'technicalAndInteraction', 'locationInfo'] },
              },
              gecko_android: { strict_min_version: '142.0' },
            },
          }
        : {}),
    };
  },
});
