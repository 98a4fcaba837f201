/**
 * The control vantage protocol: OONI's Web Connectivity test-helper request and response
 * (ooni/spec ts-017 and probe-cli `internal/model/th.go`). Detour's service speaks it, the engine
 * consumes it, and any OONI-compatible test helper can stand in for Detour's.
 *
 * Failure strings are OONI's (`connection_refused`, `connection_reset`, `generic_timeout_error`,
 * `dns_nxdomain_error`, `ssl_invalid_hostname`, `ssl_unknown_authority`, ...): see ooniFailureClass().
 */

export interface ControlRequest {
  /** The URL to measure, as the user's browser tried it. */
  http_request: string;
  /** Headers to send with the control's GET, OONI style (name to list of values). */
  http_request_headers: Record<string, string[]>;
  /** "ip:port" endpoints the client saw or tried (IPv6 as "[addr]:port"). */
  tcp_connect: string[];
  /** Not sent by Detour; accepted so OONI probes can talk to this service. */
  x_quic_enabled?: boolean;
}

export interface ControlTcpConnectResult {
  status: boolean;
  failure: string | null;
}

export interface ControlTlsHandshakeResult {
  server_name: string;
  status: boolean;
  failure: string | null;
}

export interface ControlHttpRequestResult {
  /** -1 when the request failed. */
  body_length: number;
  discovered_h3_endpoint: string;
  failure: string | null;
  title: string;
  /** Header name to its first value. */
  headers: Record<string, string>;
  /** -1 when the request failed. */
  status_code: number;
}

export interface ControlDnsResult {
  /** OONI string; `dns_name_error` for NXDOMAIN (the helper's historical name). */
  failure: string | null;
  addrs: string[];
}

/** ip_info flags, OR-ed: where an address came from and what is known of it. */
export const IP_FLAG = {
  RESOLVED_BY_PROBE: 1,
  RESOLVED_BY_TH: 2,
  BOGON: 4,
  VALID_FOR_DOMAIN: 8,
} as const;

export interface ControlIpInfo {
  /** 0 when the helper has no ASN database (Detour's service does not ship one). */
  asn: number;
  flags: number;
}

export interface ControlResponse {
  tcp_connect: Record<string, ControlTcpConnectResult>;
  tls_handshake?: Record<string, ControlTlsHandshakeResult>;
  quic_handshake?: Record<string, ControlTlsHandshakeResult>;
  http_request: ControlHttpRequestResult;
  http3_request?: ControlHttpRequestResult | null;
  dns: ControlDnsResult;
  ip_info?: Record<string, ControlIpInfo>;
}
