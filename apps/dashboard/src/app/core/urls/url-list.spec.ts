import { parseUrlList } from './url-list';

describe('parseUrlList', () => {
  it('keeps http(s) URLs in order, drops blanks, comments, fragments and duplicates', () => {
    const parsed = parseUrlList(
      ['https://a.test/x#top', '', '# a comment', '  http://b.test/  ', 'https://a.test/x', 'https://a.test/y'].join(
        '\n',
      ),
    );
    expect(parsed.urls).toEqual(['https://a.test/x', 'http://b.test/', 'https://a.test/y']);
    expect(parsed.duplicates).toBe(1);
    expect(parsed.invalid).toEqual([]);
  });

  it('names each invalid line with its number and the reason', () => {
    const parsed = parseUrlList('https://ok.test\nnot a url\nftp://files.test/a\nhttps://user:pw@x.test/');
    expect(parsed.urls).toEqual(['https://ok.test/']);
    expect(parsed.invalid).toEqual([
      { line: 2, text: 'not a url', reason: 'not a URL' },
      { line: 3, text: 'ftp://files.test/a', reason: 'must use http or https' },
      { line: 4, text: 'https://user:pw@x.test/', reason: 'must not carry credentials' },
    ]);
  });

  it('reads CSV: skips a header row and takes the URL cell of each row', () => {
    const parsed = parseUrlList('url,title\r\nhttps://a.test/1,"First"\r\n"https://a.test/2",Second\r\n');
    expect(parsed.urls).toEqual(['https://a.test/1', 'https://a.test/2']);
    expect(parsed.invalid).toEqual([]);
  });
});
