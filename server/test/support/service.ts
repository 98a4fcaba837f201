/**
 * The real service, built and listening on 127.0.0.1:0, with settings for loopback labs, plus a
 * client that POSTs control requests to it.
 */
import type net from 'node:net';
import { parseControlResponse, type ControlResponse } from '../../../engine/control-protocol';
import { buildApp, type AppOptions, type DetourService } from '../../src/app';
import { DEFAULT_CONFIG, type Config } from '../../src/config';

export const LAB_CONFIG: Config = {
  ...DEFAULT_CONFIG,
  logLevel: 'silent',
  allowPrivateTargets: true,
  allowedPorts: 'any',
  rateLimitMax: 0,
  stepTimeoutMs: 1_500,
  measurementTimeoutMs: 4_000,
  // Never the system resolver in tests: a test that forgets its lab DNS server fails, quietly offline.
  dnsServers: ['127.0.0.1:9'],
};

export interface RunningService extends DetourService {
  url: string;
  measure(body: unknown): Promise<ControlResponse>;
  post(body: string | unknown, headers?: Record<string, string>, path?: string): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startService(config: Partial<Config>, extra: Omit<AppOptions, 'config'> = {}): Promise<RunningService> {
  const service = await buildApp({ config: { ...LAB_CONFIG, ...config }, ...extra });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = service.app.server.address() as net.AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const post: RunningService['post'] = async (body, headers = {}, path = '/') => {
    const res = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
  return {
    ...service,
    url,
    post,
    async measure(body) {
      const { status, json } = await post(body);
      if (status !== 200) throw new Error(`expected 200, got ${status}: ${JSON.stringify(json)}`);
      // Every answer a test gets is also one the engine would take: the service and its clients share one reading.
      if (!parseControlResponse(json)) throw new Error(`the engine would refuse this answer: ${JSON.stringify(json)}`);
      return json as ControlResponse;
    },
    close: () => service.app.close(),
  };
}
