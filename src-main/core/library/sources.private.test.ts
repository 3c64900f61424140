/**
 * Which addresses count as the user's own network (isPrivateHost), in the forms a URL or a lookup
 * gives them: IPv6 addresses that carry an IPv4 one are judged by it (mapped, NAT64), and the rest
 * of ::/96 names no public host.
 */
import { describe, expect, it } from 'vitest';
import { FetchFailure } from './fetch';
import { isPrivateHost, resolveSource } from './sources';

describe('isPrivateHost', () => {
  it('judges NAT64 addresses (64:ff9b::/96) by the IPv4 address they carry', () => {
    for (const h of ['64:ff9b::7f00:1', '64:ff9b::127.0.0.1', '[64:ff9b::a00:5]', '64:ff9b::c0a8:101', '64:FF9B:0:0:0:0:a9fe:a9fe']) expect(isPrivateHost(h), h).toBe(true);
    // DNS64 gives every public IPv4 host such an address on an IPv6-only network.
    for (const h of ['64:ff9b::808:808', '64:ff9b::93.184.216.34']) expect(isPrivateHost(h), h).toBe(false);
    // SIIT's IPv4-translated form and NAT64's local-use prefix (hostile audit 2, L3).
    for (const h of ['[::ffff:0:127.0.0.1]', '::ffff:0:7f00:1', '::ffff:0:10.0.0.5', '[64:ff9b:1::7f00:1]', '64:ff9b:1::808:808', '64:ff9b:1:abcd::1']) expect(isPrivateHost(h), h).toBe(true);
    for (const h of ['::ffff:0:8.8.8.8', '64:ff9b:2::808:808']) expect(isPrivateHost(h), h).toBe(false);
  });

  it('counts all of ::/96 (unspecified, loopback, IPv4-compatible) as private', () => {
    for (const h of ['::', '::1', '[::1]', '::7f00:1', '::127.0.0.1', '::808:808', '0:0:0:0:0:0:8.8.8.8']) expect(isPrivateHost(h), h).toBe(true);
  });

  it('counts benchmarking, multicast and reserved IPv4, 6to4 of a private address, site-local and multicast IPv6 as no public host', () => {
    for (const h of ['198.18.0.1', '198.19.255.255', '224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255', '2002:7f00:1::', '2002:c0a8:101::1', '[2002:a00:1::]', 'fec0::1', 'ff02::1', 'ff05::2'])
      expect(isPrivateHost(h), h).toBe(true);
    for (const h of ['198.17.0.1', '198.20.0.1', '223.255.255.255', '2002:808:808::', '2002:5db8:d822::1']) expect(isPrivateHost(h), h).toBe(false);
  });

  it('keeps the forms it judged before', () => {
    for (const h of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', 'localhost', 'a.localhost.', '::ffff:127.0.0.1', '::ffff:7f00:1', 'fc00::1', 'fd12::1', 'fe80::1', 'fe80::1%eth0'])
      expect(isPrivateHost(h), h).toBe(true);
    for (const h of ['8.8.8.8', '172.32.0.1', '::ffff:8.8.8.8', '2606:4700::1111', '2001:db8::1', 'example.org', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4']) expect(isPrivateHost(h), h).toBe(false);
  });

  it('refuses such URLs in a list from a public host, as the URL parser writes them', () => {
    for (const url of ['http://[64:ff9b::10.0.0.1]/a.jpg', 'http://[::127.0.0.1]/a.jpg']) {
      // The parser writes the IPv4 part in hex (`[64:ff9b::a00:1]`, `[::7f00:1]`).
      expect(new URL(url).hostname).not.toMatch(/\./);
      let e: unknown;
      try {
        resolveSource(url, { mirrors: [], allowLocal: false, publicOnly: true });
      } catch (err) {
        e = err;
      }
      expect(e).toBeInstanceOf(FetchFailure);
      expect((e as FetchFailure).reason).toBe('private_refused');
    }
  });
});
