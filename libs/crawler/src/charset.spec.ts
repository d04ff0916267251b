import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetFromMeta, decodeBody, sniffBinary } from './charset.js';

describe('decodeBody', () => {
  it('takes the BOM first, then the header, then <meta>, then guesses', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('é')]);
    expect(decodeBody(bom, 'text/html; charset=windows-1252')).toEqual({ text: 'é', charset: 'utf-8' });
    expect(decodeBody(iconv.encode('café', 'windows-1252'), 'text/html; charset=ISO-8859-1')).toEqual({
      text: 'café',
      charset: 'windows-1252',
    });
    const sjis = iconv.encode('<meta charset="shift_jis"><p>日本語</p>', 'shift_jis');
    expect(decodeBody(sjis, 'text/html').text).toContain('日本語');
    expect(decodeBody(Buffer.from('naïve'), undefined).charset).toBe('utf-8');
    expect(decodeBody(iconv.encode('naïve €', 'windows-1252'), undefined)).toEqual({
      text: 'naïve €',
      charset: 'windows-1252',
    });
  });

  it('reads http-equiv meta and ignores unknown labels', () => {
    expect(charsetFromMeta(Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=EUC-JP">'))).toBe(
      'euc-jp',
    );
    expect(charsetFromMeta(Buffer.from('<meta charset="klingon">'))).toBeUndefined();
  });

  it('sniffs binary bodies', () => {
    expect(sniffBinary(Buffer.from('89504e470d0a1a0a', 'hex'))).toBe('image/png');
    expect(sniffBinary(Buffer.alloc(100, 0))).toBe('application/octet-stream');
    expect(sniffBinary(Buffer.from('<html>hello</html>'))).toBeUndefined();
  });
});
