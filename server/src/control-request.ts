/**
 * From the JSON body of POST / to a request the measurement can trust. The JSON schema (schemas.ts)
 * has already checked types and sizes; this checks what a schema cannot: that the URL parses, is
 * http or https on an allowed port, and that every endpoint is an "ip:port".
 */
import type { ControlRequest } from '../../engine/control-protocol';
import { parseEndpoint } from '../../engine/ip';
import { portAllowed, type PortPolicy } from './address-policy';
import type { ControlMeasurementRequest } from './measure/control';
import { effectivePort } from './measure/http';

/** A request the service will not measure: answered with `statusCode` and `{ error, message }`. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

export function parseControlRequest(body: ControlRequest, allowedPorts: PortPolicy): ControlMeasurementRequest {
  let url: URL;
  try {
    url = new URL(body.http_request);
  } catch {
    throw new RequestError(400, 'invalid_url', 'http_request is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RequestError(400, 'unsupported_scheme', 'http_request must be an http:// or https:// URL');
  }
  if (!url.hostname || url.hostname.length > 253) {
    throw new RequestError(400, 'invalid_url', 'http_request has no usable host name');
  }
  if (!portAllowed(effectivePort(url), allowedPorts)) {
    throw new RequestError(400, 'port_not_allowed', `this service only measures ports ${[allowedPorts].flat().join(', ')}`);
  }
  const endpoints = (body.tcp_connect ?? []).map((key, index) => {
    const parsed = parseEndpoint(key);
    if (!parsed) throw new RequestError(400, 'invalid_endpoint', `tcp_connect[${index}] is not an "ip:port" endpoint`);
    return { key, ...parsed };
  });
  return { url, headers: body.http_request_headers ?? {}, endpoints };
}
