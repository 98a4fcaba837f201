/**
 * What a measurement needs from the service, gathered once at startup and shared by every
 * measurement: the resolver, the SSRF guard, the TLS trust store and the limits.
 */
import type { SecureContext } from 'node:tls';
import type { ConnectGuard } from '../safe-connect';
import type { AddressResolver } from './dns';

export interface MeasureLimits {
  maxRedirects: number;
  /** Body bytes read per fetch (after decompression); the rest is left unread. */
  maxBodyBytes: number;
  /** Endpoints connected to per measurement: the client's and the service's own together. */
  maxEndpoints: number;
}

export interface MeasureContext {
  resolver: AddressResolver;
  guard: ConnectGuard;
  /** Node's bundled roots plus DETOUR_EXTRA_CA_FILE; built once, because building it is slow. */
  secureContext: SecureContext;
  limits: MeasureLimits;
}
