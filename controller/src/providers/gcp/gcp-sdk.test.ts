import { describe, expect, it } from 'vitest';
import { endpointOptions } from './gcp-sdk';

describe('endpointOptions', () => {
  it('turns http://host:port into apiEndpoint + port + protocol http (else the client goes to 443 with TLS)', () => {
    expect(endpointOptions('http://127.0.0.1:8085')).toEqual({ apiEndpoint: '127.0.0.1', port: 8085, protocol: 'http' });
    expect(endpointOptions('http://localhost')).toEqual({ apiEndpoint: 'localhost', port: 80, protocol: 'http' });
    expect(endpointOptions('https://compute.example.com')).toEqual({ apiEndpoint: 'compute.example.com', port: 443, protocol: 'https' });
    expect(endpointOptions('http://[::1]:9000')).toEqual({ apiEndpoint: '::1', port: 9000, protocol: 'http' });
    expect(endpointOptions(null)).toEqual({});
  });
});
