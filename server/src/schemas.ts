/**
 * JSON schemas for the control route. Fastify validates the request with ajv before the handler runs
 * (types, sizes, counts: "thousands of endpoints" is a 400 here, not a fan-out later), and serialises
 * the response with fast-json-stringify, which also guarantees nothing but these fields goes out.
 */

export function controlRequestSchema(maxEndpoints: number) {
  return {
    type: 'object',
    required: ['http_request'],
    properties: {
      http_request: { type: 'string', minLength: 1, maxLength: 2048 },
      http_request_headers: {
        type: 'object',
        maxProperties: 32,
        additionalProperties: {
          type: 'array',
          maxItems: 8,
          items: { type: 'string', maxLength: 1024 },
        },
      },
      tcp_connect: {
        type: 'array',
        maxItems: maxEndpoints,
        items: { type: 'string', minLength: 1, maxLength: 64 },
      },
      x_quic_enabled: { type: 'boolean' },
    },
  } as const;
}

const nullableString = { type: ['string', 'null'] } as const;

const tcpResult = {
  type: 'object',
  properties: { status: { type: 'boolean' }, failure: nullableString },
} as const;

const tlsResult = {
  type: 'object',
  properties: { server_name: { type: 'string' }, status: { type: 'boolean' }, failure: nullableString },
} as const;

const httpResult = {
  type: 'object',
  properties: {
    body_length: { type: 'integer' },
    // Detour's own field (OONI's helpers leave it out): ms spent reading the body.
    x_detour_body_ms: { type: 'integer' },
    discovered_h3_endpoint: { type: 'string' },
    failure: nullableString,
    title: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    status_code: { type: 'integer' },
  },
} as const;

export const controlResponseSchema = {
  type: 'object',
  properties: {
    tcp_connect: { type: 'object', additionalProperties: tcpResult },
    tls_handshake: { type: 'object', additionalProperties: tlsResult },
    quic_handshake: { type: 'object', additionalProperties: tlsResult },
    http_request: httpResult,
    http3_request: { anyOf: [httpResult, { type: 'null' }] },
    dns: {
      type: 'object',
      properties: { failure: nullableString, addrs: { type: 'array', items: { type: 'string' } } },
    },
    ip_info: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: { asn: { type: 'integer' }, flags: { type: 'integer' } },
      },
    },
  },
} as const;

export const errorResponseSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;
