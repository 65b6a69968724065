import { backoffSeconds } from './webhook-backoff';
import { isPrivateAddress } from './webhook-target-guard';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.5',
    '172.20.1.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
  ])('refuses %s', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('backoffSeconds', () => {
  it('doubles from the base, caps at the maximum, and jitters within the upper half', () => {
    expect(backoffSeconds(1, 60, 3600, () => 0)).toBe(30);
    expect(backoffSeconds(1, 60, 3600, () => 1)).toBe(60);
    expect(backoffSeconds(4, 60, 3600, () => 1)).toBe(480);
    expect(backoffSeconds(20, 60, 3600, () => 1)).toBe(3600);
  });
});
