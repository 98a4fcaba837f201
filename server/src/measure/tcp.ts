/**
 * The TCP step for one endpoint: can the service open a connection to ip:port right now?
 * The socket is handed back on success so the TLS step can reuse the same connection, as OONI's
 * helper does (one connection per endpoint, TCP then TLS).
 */
import type net from 'node:net';
import type { ControlTcpConnectResult } from '../../../engine/control-protocol';
import { ooniFailure } from '../failure-strings';
import { connectChecked } from '../safe-connect';
import type { Budget } from './budget';
import type { MeasureContext } from './context';

export async function tcpConnect(
  ip: string,
  port: number,
  ctx: MeasureContext,
  budget: Budget,
): Promise<{ result: ControlTcpConnectResult; socket?: net.Socket }> {
  try {
    const socket = await connectChecked(ip, port, ctx.guard, budget);
    return { result: { status: true, failure: null }, socket };
  } catch (error) {
    return { result: { status: false, failure: ooniFailure(error) } };
  }
}
