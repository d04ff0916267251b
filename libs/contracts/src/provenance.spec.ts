import { describe, expect, it } from 'vitest';
import { aiReservation, creativeCommonsId, describeTerms, type PageTerms, tdmSummary } from './provenance.js';

const none: PageTerms = { robotsMeta: [], xRobotsTag: [], tdm: {}, license: null };

describe('creativeCommonsId', () => {
  it('maps Creative Commons license and dedication URLs to SPDX ids', () => {
    expect(creativeCommonsId('https://creativecommons.org/licenses/by/4.0/')).toBe('CC-BY-4.0');
    expect(creativeCommonsId('http://creativecommons.org/licenses/by-nc-sa/3.0/de/deed.de')).toBe('CC-BY-NC-SA-3.0-DE');
    expect(creativeCommonsId('https://creativecommons.org/licenses/by-nd/4.0/legalcode')).toBe('CC-BY-ND-4.0');
    expect(creativeCommonsId('https://creativecommons.org/publicdomain/zero/1.0/')).toBe('CC0-1.0');
    expect(creativeCommonsId('https://creativecommons.org/publicdomain/mark/1.0/')).toBe('PDM-1.0');
    expect(creativeCommonsId('https://example.com/licenses/by/4.0/')).toBeNull();
    expect(creativeCommonsId('https://creativecommons.org/about/')).toBeNull();
    expect(creativeCommonsId('not a url at all ::')).toBeNull();
  });
});

describe('aiReservation', () => {
  it('is any tdm-reservation 1, or noai; not noimageai or noindex', () => {
    expect(aiReservation(none)).toBeNull();
    expect(aiReservation({ ...none, robotsMeta: ['noimageai', 'noindex'] })).toBeNull();
    expect(aiReservation({ ...none, tdm: { meta: { reservation: 0, policy: null } } })).toBeNull();
    expect(aiReservation({ ...none, robotsMeta: ['noai'] })?.reason).toBe('noai (robots meta)');
    expect(aiReservation({ ...none, xRobotsTag: ['noai'] })?.reason).toBe('noai (X-Robots-Tag)');
    expect(
      aiReservation({
        ...none,
        tdm: { header: { reservation: 0, policy: null }, meta: { reservation: 1, policy: null } },
      })?.reason,
    ).toBe('tdm-reservation: 1 (meta)');
  });

  it('sums the channels and describes the terms in one line', () => {
    const terms: PageTerms = {
      robotsMeta: ['noai', 'nofollow'],
      xRobotsTag: [],
      tdm: { 'tdmrep.json': { reservation: 1, policy: 'https://p.test/' }, header: { reservation: 0, policy: null } },
      license: { url: 'https://creativecommons.org/licenses/by/4.0/', id: 'CC-BY-4.0' },
    };
    expect(tdmSummary(terms)).toEqual({ reservation: 1, policy: 'https://p.test/' });
    expect(tdmSummary(none)).toBeNull();
    expect(describeTerms(terms)).toBe(
      'tdm reserved (tdmrep.json); tdm-policy https://p.test/; noai; license CC-BY-4.0',
    );
    expect(describeTerms(none)).toBe('none stated');
  });
});
