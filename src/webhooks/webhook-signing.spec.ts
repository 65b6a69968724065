import { createHmac } from 'node:crypto';
import {
  legacySignature,
  signedHeaders,
  standardSignature,
  verifyStandardSignature,
} from './webhook-signing';

describe('webhook signing', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"type":"budget.threshold_crossed"}';

  it('signs `id.timestamp.body` with the base64-decoded whsec key (Standard Webhooks)', () => {
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update(`msg_1.1700000000.${body}`)
      .digest('base64');

    expect(standardSignature(secret, 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
  });

  it("keeps the reference's X-Artenic-Signature: hex HMAC of the raw body keyed by the whole secret", () => {
    const expected = createHmac('sha256', secret).update(body).digest('hex');

    expect(legacySignature(secret, body)).toBe(expected);
    expect(
      signedHeaders(secret, { id: 'd1', topic: 'budget', event_type: 'x' }, body, 1)['x-artenic-event'],
    ).toBe('budget_alert');
  });

  it('verifies a valid signature and refuses a tampered body, another secret or an old timestamp', () => {
    const now = 1700000000;
    const headers = {
      id: 'msg_1',
      timestamp: String(now),
      signature: standardSignature(secret, 'msg_1', now, body),
    };

    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: now })).toBe(true);
    expect(verifyStandardSignature(secret, headers, `${body} `, { nowSeconds: now })).toBe(false);
    expect(verifyStandardSignature('whsec_b3RoZXI=', headers, body, { nowSeconds: now })).toBe(false);
    expect(verifyStandardSignature(secret, headers, body, { nowSeconds: now + 301 })).toBe(false);
  });
});
