/**
 * Aggregate counters, the service's only record of its work: no client address, no URL, no host
 * name is ever stored or logged. Exposed as JSON at GET /metrics and inside GET /health.
 */

export interface Counters {
  /** Measurement requests that got past JSON parsing and the schema (see rejected_invalid for the rest). */
  requests: number;
  measurements_started: number;
  measurements_completed: number;
  /** Cut short by shutdown or by the client going away. */
  measurements_interrupted: number;
  /** Answers whose HTTP fetch got a final response / failed. */
  http_responses: number;
  http_failures: number;
  /**
   * Failures per step by OONI failure string (a small, fixed vocabulary: no client data), so an
   * operator can tell "the sites are down" from "this service's resolver is failing".
   */
  failures: Record<'dns' | 'tcp' | 'tls' | 'http', Record<string, number>>;
  /** Connections the SSRF guard refused: bogon addresses, disallowed ports. */
  refused_addresses: number;
  refused_ports: number;
  /** 4xx for bad requests (malformed JSON, schema, URL, too large, wrong media type). */
  rejected_invalid: number;
  rejected_rate_limited: number;
  /** 403: an Origin that is not a browser extension's (a web page driving a visitor's browser). */
  rejected_origin: number;
  /** Sockets closed at once: the client already held its share of connections. */
  rejected_connections: number;
  /** 503: all slots and the queue were full. */
  rejected_busy: number;
  internal_errors: number;
  /** Sum and maximum of measurement durations, for an average without keeping samples. */
  measurement_ms_total: number;
  measurement_ms_max: number;
}

export function createCounters(): Counters {
  return {
    requests: 0,
    measurements_started: 0,
    measurements_completed: 0,
    measurements_interrupted: 0,
    http_responses: 0,
    http_failures: 0,
    failures: { dns: {}, tcp: {}, tls: {}, http: {} },
    refused_addresses: 0,
    refused_ports: 0,
    rejected_invalid: 0,
    rejected_rate_limited: 0,
    rejected_origin: 0,
    rejected_connections: 0,
    rejected_busy: 0,
    internal_errors: 0,
    measurement_ms_total: 0,
    measurement_ms_max: 0,
  };
}

export function countFailure(counters: Counters, step: keyof Counters['failures'], failure: string | null): void {
  if (failure === null) return;
  const kinds = counters.failures[step];
  kinds[failure] = (kinds[failure] ?? 0) + 1;
}
