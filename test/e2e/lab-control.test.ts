/**
 * The lab's two vantage points, proven with the real control service (server/): run in the same
 * namespace with labControlDial (source LAB_IPS.controlSource), the honest resolver and the lab root,
 * it sees the honest site in every censorship scenario and the outage in site-down, which is what
 * each scenario's verdict expectation assumes. Runs inside scripts/in-lab-netns.sh.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlResponse } from '../../engine/control-protocol';
import type { DetourService } from '../../server/src/app';
import { LAB_SITE_TITLE, type Lab } from '../lab/lab';
import { startLabWithControl, type LabWithControl } from './detour';
import { LAB_IPS } from '../lab/network';
import { applyScenario, LAB_CONTROL_URL, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../lab/scenarios';

let lab: Lab;
let service: DetourService;
let world: LabWithControl;

beforeAll(async () => {
  world = await startLabWithControl();
  ({ lab, control: service } = world);
});

afterAll(async () => {
  await world?.close();
});

async function measure(): Promise<ControlResponse> {
  const res = await fetch(`${LAB_CONTROL_URL}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ http_request: SCENARIOS.ok.url, http_request_headers: {}, tcp_connect: [`${LAB_IPS.site}:443`] }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as ControlResponse;
}

// These scenarios cut the user off from the control's URL too (the test process is "the user" here),
// so the test asks the service in-process; its measurements still go out through labControlDial.
const BLOCKS_CONTROL_URL = new Set<ScenarioName>(['network-down', 'offline', 'captive-portal']);

describe('the control service in the lab', () => {
  // Down for everyone: the control sees what the user sees.
  it.each(SCENARIO_NAMES.filter((n) => n !== 'site-down' && n !== 'site-503'))('%s: the control sees the honest site', async (name) => {
    await applyScenario(lab, SCENARIOS[name]);
    const answer = BLOCKS_CONTROL_URL.has(name)
      ? ((
          await service.app.inject({
            method: 'POST',
            url: '/',
            payload: { http_request: SCENARIOS.ok.url, http_request_headers: {}, tcp_connect: [`${LAB_IPS.site}:443`] },
          })
        ).json() as ControlResponse)
      : await measure();
    expect(answer.dns).toEqual({ failure: null, addrs: [LAB_IPS.site] });
    expect(answer.tcp_connect[`${LAB_IPS.site}:443`]).toEqual({ status: true, failure: null });
    expect(answer.http_request).toMatchObject({ status_code: 200, failure: null, title: LAB_SITE_TITLE });
  });

  it('site-down: the control fails the same way as the user', async () => {
    await applyScenario(lab, SCENARIOS['site-down']);
    const answer = await measure();
    expect(answer.tcp_connect[`${LAB_IPS.site}:443`]).toEqual({ status: false, failure: 'connection_refused' });
    expect(answer.http_request).toMatchObject({ status_code: -1, failure: 'connection_refused' });
  });
});
