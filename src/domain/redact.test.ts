import { describe, expect, it } from 'vitest';
import { deliveryErrorSummary, excerpt, redactCredentials, redactor, secretFragments } from './redact.js';

const SLACK = 'https://hooks.slack.com/services/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';

describe('redactor', () => {
  it('masks a secret URL whole, by its path, and by its random segments, however it is echoed', () => {
    const redact = redactor(secretFragments(SLACK));
    for (const echo of [
      `no hook at ${SLACK}`,
      'no_service: /services/T0ABC1234/B0DEF5678/Xk3pQ9rT2vW8yZ1aB4cD6eF0',
      '{"path":"\\/services\\/T0ABC1234\\/B0DEF5678\\/Xk3pQ9rT2vW8yZ1aB4cD6eF0"}',
      `url=${encodeURIComponent(SLACK)}`,
      'unknown token Xk3pQ9rT2vW8yZ1aB4cD6eF0',
    ]) {
      const out = redact(echo);
      expect(out).not.toContain('Xk3pQ9rT2vW8yZ1aB4cD6eF0');
      expect(out).not.toContain('B0DEF5678');
      expect(out).toContain('***');
    }
  });

  it("masks only a webhook URL's query values when the URL itself is not the secret", () => {
    const redact = redactor(
      secretFragments('https://hooks.example.com/in?token=s3cr3t-value&team=a1', { wholeUrl: false }),
    );
    expect(redact('HTTP 401: bad token s3cr3t-value for /in')).toBe('HTTP 401: bad token *** for /in');
  });

  it('masks configured values longest first, and leaves very short ones alone', () => {
    const redact = redactor(['hunter2hunter2', 'hunter2', 'ab']);
    expect(redact('535 5.7.8 hunter2hunter2 rejected; ab')).toBe('535 5.7.8 *** rejected; ab');
  });

  it.each([
    ['Authorization: Bearer abc.def.ghi123', 'Authorization: Bearer ***'],
    ['got header bearer 0123456789abcdefXYZ', 'got header bearer ***'],
    ['private-token: glsecretvalue', 'private-token: ***'],
    ['clone https://x-access-token:s3cret@github.com/o/r failed', 'clone https://***@github.com/o/r failed'],
    ['GET /in?token=abc123&team=a', 'GET /in?token=***&team=a'],
    ['{"password":"pa55word","user":"u"}', '{"password":"***","user":"u"}'],
    ['api_key=zzzzzzzz sig=abcd', 'api_key=*** sig=***'],
    ['slack said xoxb-123456789012-abcdefABCDEF', 'slack said ***'],
    ['token ghp_0123456789abcdefghijABCDEFGHIJ012345 denied', 'token *** denied'],
    ['github_pat_11ABCDEFG0123456789_abcdefghijklmnop', '***'],
    ['glpat-abcdefghij0123456789', '***'],
    ['key whsec_c2VjcmV0IGtleQ==', 'key ***'],
    ['AKIAABCDEFGHIJKLMNOP', '***'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl', 'jwt ***'],
    ['digest 0123456789abcdef0123456789abcdef', 'digest ***'],
    ['blob dGhpcyBpcyBhIHNlY3JldCBrZXkgb2YgMzIgYnl0ZXMh', 'blob ***'],
  ])('masks what looks like a credential: %s', (text, masked) => {
    expect(redactCredentials(text)).toBe(masked);
  });

  it.each([
    'HTTP 503 from 127.0.0.1:8080: down for maintenance',
    'connect ECONNREFUSED 127.0.0.1:9',
    'policyexceptions.kyverno.io "payments-api-mig-1" is forbidden',
    'invalid token provided',
    'the monkey=banana setting',
    'target git: push to main refused 8 times because others pushed first',
  ])('leaves ordinary words alone: %s', (text) => {
    expect(redactCredentials(text)).toBe(text);
  });

  it('cuts an excerpt only after masking, so no half secret survives the cut', () => {
    const secret = 'S3cretValueThatIsLongEnoughToBeCut';
    const text = `${'x'.repeat(290)} ${secret}`;
    const out = excerpt(text, redactor([secret]), 300);
    expect(out).not.toContain('S3cret');
    expect(out.length).toBeLessThanOrEqual(300);
  });
});

describe('deliveryErrorSummary', () => {
  it.each([
    ['HTTP 401 from hooks.slack.com: invalid_token for /services/T/B/x', 'HTTP 401 from hooks.slack.com'],
    ['HTTP 503 from 127.0.0.1:8080', 'HTTP 503 from 127.0.0.1:8080'],
    ['mail.example.com:587: 535 5.7.8 Authentication failed: secret', 'mail.example.com:587: 535'],
    ['127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9', '127.0.0.1:9: ECONNREFUSED'],
    ['hooks.slack.com: no answer within 150 ms', 'hooks.slack.com: no answer within 150 ms'],
    ['channel "x" is not configured', 'channel "x" is not configured'],
    ['something else entirely: with a password', 'delivery failed (an admin sees the details)'],
  ])('%s -> %s', (error, summary) => {
    expect(deliveryErrorSummary(error)).toBe(summary);
  });
});
