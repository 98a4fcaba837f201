/**
 * OONI failure strings (probe-cli netxlite's classifiers, the test helper's, Measurement Kit's older
 * ones) in Detour's failure vocabulary: the one table the OONI adapter and the control comparison use.
 * Unknown strings become `unknown`, never dropped; `unknown_failure: ...` strings (OONI's own catch-all)
 * too.
 */
import type { ClassifiedFailure } from './failure';
import type { DnsObservation } from './types';

export const OONI_FAILURES: Readonly<Record<string, ClassifiedFailure>> = {
  // DNS
  dns_nxdomain_error: { class: 'dns' },
  dns_name_error: { class: 'dns' }, // the test helper's NXDOMAIN
  android_dns_cache_no_data: { class: 'dns' },
  dns_no_answer: { class: 'dns' },
  dns_server_misbehaving: { class: 'dns' },
  dns_refused_error: { class: 'dns' },
  dns_servfail_error: { class: 'dns' },
  dns_server_failure: { class: 'dns' },
  dns_bogon_error: { class: 'dns' },
  dns_reply_with_wrong_query_id: { class: 'dns' },
  dns_lookup_error: { class: 'dns' }, // Measurement Kit, v0.4 and older
  dns_timeout_error: { class: 'dns' },
  // TCP and socket
  connection_refused: { class: 'refused' },
  connection_reset: { class: 'reset' },
  connection_aborted: { class: 'reset' },
  eof_error: { class: 'closed' },
  connection_already_closed: { class: 'closed' },
  broken_pipe: { class: 'closed' },
  generic_timeout_error: { class: 'timeout' },
  timed_out: { class: 'timeout' },
  host_unreachable: { class: 'unreachable' },
  network_unreachable: { class: 'unreachable' },
  address_not_available: { class: 'unreachable' },
  network_down: { class: 'network-down' },
  // TLS
  ssl_invalid_hostname: { class: 'certificate', certificate: 'name' },
  ssl_unknown_authority: { class: 'certificate', certificate: 'issuer' },
  ssl_invalid_certificate: { class: 'certificate', certificate: 'other' },
  ssl_failed_handshake: { class: 'tls' },
  ssl_error: { class: 'tls' },
  // HTTP
  http_request_failed: { class: 'http-status' },
  http_unexpected_status_code: { class: 'http-status' },
  http_unexpected_redirect_url: { class: 'redirect' },
  // Never the network
  interrupted: { class: 'ignored' },
  operation_canceled: { class: 'ignored' },
};

export function ooniFailureClass(failure: string | null | undefined): ClassifiedFailure | undefined {
  if (failure === null || failure === undefined || failure === '') return undefined;
  const known = OONI_FAILURES[failure.trim()];
  if (known) return known;
  // "unknown_failure: dial tcp [scrubbed]: connect: no route to host"
  if (/no route to host|network is unreachable/i.test(failure)) return { class: 'unreachable' };
  if (/connection reset/i.test(failure)) return { class: 'reset' };
  if (/connection refused/i.test(failure)) return { class: 'refused' };
  if (/timeout|timed out|deadline exceeded/i.test(failure)) return { class: 'timeout' };
  if (/^ssl_/.test(failure)) return { class: 'tls' };
  if (/^dns_/.test(failure)) return { class: 'dns' };
  return { class: 'unknown' };
}

/** OONI's DNS failure strings in DnsObservation terms. */
export function ooniDnsFailure(failure: string): NonNullable<DnsObservation['failure']> {
  switch (failure) {
    case 'dns_nxdomain_error':
    case 'dns_name_error':
    case 'android_dns_cache_no_data':
      return 'nxdomain';
    case 'dns_no_answer':
      return 'no-answer';
    case 'dns_server_misbehaving':
    case 'dns_servfail_error':
    case 'dns_server_failure':
      return 'servfail';
    case 'dns_refused_error':
      return 'refused';
    case 'generic_timeout_error':
    case 'dns_timeout_error':
      return 'timeout';
    default:
      return 'error';
  }
}
