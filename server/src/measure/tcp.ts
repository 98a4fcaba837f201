/**
 * The TCP step for one endpoint: can the service open a connection to ip:port right now? On success
 * the socket is handed back open, for the TLS step and possibly the HTTP fetch to reuse.
 */
import type net from 'node:net';
import type { ControlTcpConnectResult } from '../../../engine/control-protocol';
import { ooniFailure } from '../failure-strings';
import { connectChecked } from '../safe-connect';
import type { Budget } from './budget';
import type { MeasureContext } from './context';

export type TcpStep =
  | { result: ControlTcpConnectResult; socket: net.Socket; error?: undefined }
  | { result: ControlTcpConnectResult; socket?: undefined; error: unknown };

export async function tcpStep(ip: string, port: number, ctx: MeasureContext, budget: Budget): Promise<TcpStep> {
  try {
    const socket = await connectChecked(ip, port, ctx.guard, budget);
    return { result: { status: true, failure: null }, socket };
  } catch (error) {
    return { result: { status: false, failure: ooniFailure(error) }, error };
  }
}
