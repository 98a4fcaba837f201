import { defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

// Two projects: fast unit tests (fake browser, no network beyond loopback) and end-to-end tests that
// drive real Chromium and Firefox ESR against the censorship lab. `npm test` runs both.
export default defineConfig({
  test: {
    // Vitest's default is one worker fewer than the CPUs: one, on the two-CPU machines CI runs on. The
    // slow unit files mostly wait (sockets timing out, child processes), so two workers halve the
    // stage. The end-to-end project still runs one file at a time (fileParallelism below).
    maxWorkers: 2,
    projects: [
      {
        // Built for no browser in particular: what a build keeps to its own browser through WXT's
        // import.meta.env.BROWSER (lib/browser-errors.ts) runs here for both.
        plugins: [WxtVitest({ browser: 'any' })],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}', 'server/test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
