import { describe, expect, it } from 'vitest';
import { ProcessingConfigError, resolveProcessingConfig } from './config.js';
import { ALL_PII, entropy, ibanValid, luhnValid, redactPii } from './pii.js';

describe('redactPii', () => {
  it.each([
    ['Write to jane.doe+news@example.co.uk today.', 'Write to <EMAIL> today.', 'email'],
    ['Call +49 30 1234 5678 or +1 (415) 555-2671.', 'Call <PHONE> or <PHONE>.', 'phone'],
    ['US office: (212) 555-0187, fax 212-555-0188.', 'US office: <PHONE>, fax <PHONE>.', 'phone'],
    ['Berlin: 030 1234 5678.', 'Berlin: <PHONE>.', 'phone'],
    ['Server 192.168.10.24 answered.', 'Server <IP> answered.', 'ip'],
    ['Reach 2001:db8:85a3::8a2e:370:7334 or ::1 or fe80::1ff:fe23:4567:890a.', 'Reach <IP> or <IP> or <IP>.', 'ip'],
    [
      'Card 4111 1111 1111 1111 and 5500-0000-0000-0004 and 378282246310005.',
      'Card <CREDIT_CARD> and <CREDIT_CARD> and <CREDIT_CARD>.',
      'credit_card',
    ],
    ['Pay to DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432.', 'Pay to <IBAN> or <IBAN>.', 'iban'],
    ['key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t', 'key <SECRET>', 'secret'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws <SECRET> here', 'secret'],
    ['gh ghp_16C7e42F292c6912E7710c838347Ae178B4a!', 'gh <SECRET>!', 'secret'],
    ['slack xoxb-123456789012-abcdefABCDEF', 'slack <SECRET>', 'secret'],
    ['curl "https://x.test/?token=9fQ2kL7xZp4RtV8mWc3N&x=1"', 'curl "https://x.test/?token=<SECRET>&x=1"', 'secret'],
    ['export API_KEY: "q8Zr3LmX0vTp7YwK2nBd"', 'export API_KEY: "<SECRET>"', 'secret'],
  ])('redacts %s', (input, expected, type) => {
    const r = redactPii(input);
    expect(r.text).toBe(expected);
    const placeholders = expected.match(/<[A-Z_]+>/g)!.length;
    expect(r.counts).toEqual({ [type]: placeholders });
  });

  it.each([
    'On 2024-01-15 at 10:30:00 we shipped 01/02/2025 and 15.03.2024.',
    'Version 1.2.3, v2.10.4 and 10.0.19041.1 are out; see RFC 7231 section 4.3.1.',
    'It costs $1,299.99 or €12.50; we sold 1,234,567 units and 12345678 copies.',
    'The order number is 4111 1111 1111 1112 (fails Luhn).',
    'Not an IBAN: DE89 3704 0044 0532 0130 01 (wrong check digits).',
    'A MAC 00:1a:2b:3c:4d:5e, a ratio 16:9, std::vector and a time 12:30.',
    'ISBN 978-3-16-148410-0, ZIP 94103, year 2023, pi 3.14159265358979.',
    'password=hunter2 and token=abcdefghijklmnopqrstu (no digits) and key=aaaaaaaaaaaa11111111.',
    'Emails like user@localhost or @handle are not addresses; a@b is not either.',
    '256.1.1.1 is not an address, nor is 1.2.3.4.5.',
  ])('leaves alone: %s', (input) => {
    expect(redactPii(input)).toEqual({ text: input, counts: {} });
  });

  it('counts several of a kind and several kinds together', () => {
    const r = redactPii('a@x.org, b@y.org and 10.0.0.1; call +44 20 7946 0958.');
    expect(r.text).toBe('<EMAIL>, <EMAIL> and <IP>; call <PHONE>.');
    expect(r.counts).toEqual({ email: 2, ip: 1, phone: 1 });
  });

  it('redacts only the kinds switched on', () => {
    const text = 'mail a@x.org from 10.0.0.1';
    expect(redactPii(text, { ...ALL_PII, ip: false })).toEqual({
      text: 'mail <EMAIL> from 10.0.0.1',
      counts: { email: 1 },
    });
    const none = Object.fromEntries(Object.keys(ALL_PII).map((k) => [k, false])) as unknown as typeof ALL_PII;
    expect(redactPii(text, none)).toEqual({ text, counts: {} });
  });
});

describe('checks', () => {
  it('luhn, mod 97 and entropy', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('DE89370400440532013001')).toBe(false);
    expect(entropy('aaaa')).toBe(0);
    expect(entropy('abcd')).toBe(2);
  });
});

describe('processing.redact_pii', () => {
  it('is on for every kind by default and can be narrowed', () => {
    expect(resolveProcessingConfig({}).redact_pii).toEqual(ALL_PII);
    expect(resolveProcessingConfig({ redact_pii: { phone: false } }).redact_pii).toEqual({ ...ALL_PII, phone: false });
  });

  it('names a bad field', () => {
    const problem = (v: unknown) => {
      try {
        resolveProcessingConfig(v);
      } catch (e) {
        return (e as ProcessingConfigError).message;
      }
      return null;
    };
    expect(problem({ redact_pii: { emial: true } })).toBe(
      'processing.redact_pii.emial is not a kind of PII (known: email, phone, ip, credit_card, iban, secret)',
    );
    expect(problem({ redact_pii: { phone: 'no' } })).toBe(
      'processing.redact_pii.phone must be true or false (got "no")',
    );
    expect(problem({ redact_pii: false })).toBe('processing.redact_pii must be an object (got false)');
  });
});
