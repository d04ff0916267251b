import iconv from 'iconv-lite';

/** Labels the WHATWG Encoding standard maps onto another encoding. */
const ALIASES: Record<string, string> = {
  'iso-8859-1': 'windows-1252',
  latin1: 'windows-1252',
  'us-ascii': 'windows-1252',
  ascii: 'windows-1252',
  'x-sjis': 'shift_jis',
  sjis: 'shift_jis',
  ms932: 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-euc-jp': 'euc-jp',
  gb2312: 'gbk',
  'x-gbk': 'gbk',
  utf8: 'utf-8',
};

function knownCharset(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const name = label
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  const mapped = ALIASES[name] ?? name;
  // A page that says UTF-16 in a meta tag is not UTF-16 (it could not be read to find the tag).
  return iconv.encodingExists(mapped) ? mapped : undefined;
}

export function charsetFromContentType(contentType: string | undefined): string | undefined {
  const m = /charset\s*=\s*("?)([^";,\s]+)\1/i.exec(contentType ?? '');
  return knownCharset(m?.[2]);
}

function bomCharset(body: Uint8Array): { charset: string; skip: number } | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return { charset: 'utf-8', skip: 3 };
  if (body[0] === 0xfe && body[1] === 0xff) return { charset: 'utf-16be', skip: 2 };
  if (body[0] === 0xff && body[1] === 0xfe) return { charset: 'utf-16le', skip: 2 };
  return undefined;
}

/** The `<meta charset>` or `<meta http-equiv="Content-Type">` of the first 4 KB (the HTML "prescan"). */
export function charsetFromMeta(body: Uint8Array): string | undefined {
  const head = Buffer.from(body.subarray(0, 4096)).toString('latin1');
  for (const m of head.matchAll(/<meta\b[^>]*>/gi)) {
    // Covers both `<meta charset="x">` and `<meta http-equiv="Content-Type" content="text/html; charset=x">`.
    const label = /\bcharset\s*=\s*["']?\s*([^"'\s/>;]+)/i.exec(m[0])?.[1];
    const cs = knownCharset(label);
    if (cs && !cs.startsWith('utf-16')) return cs;
  }
  return undefined;
}

function isValidUtf8(body: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decodes an HTML (or text) body to a string. Order of the HTML standard: a
 * byte-order mark, then the Content-Type charset, then `<meta>`, then a guess
 * (UTF-8 when the bytes are valid UTF-8, else Windows-1252).
 */
export function decodeBody(body: Uint8Array, contentType?: string): { text: string; charset: string } {
  const bom = bomCharset(body);
  const charset =
    bom?.charset ??
    charsetFromContentType(contentType) ??
    charsetFromMeta(body) ??
    (isValidUtf8(body) ? 'utf-8' : 'windows-1252');
  const bytes = Buffer.from(body.buffer, body.byteOffset + (bom?.skip ?? 0), body.byteLength - (bom?.skip ?? 0));
  return { text: iconv.decode(bytes, charset, { stripBOM: true }), charset };
}

const MAGIC: Array<[string, number[]]> = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47]],
  ['image/gif', [0x47, 0x49, 0x46, 0x38]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['application/pdf', [0x25, 0x50, 0x44, 0x46]],
  ['application/zip', [0x50, 0x4b, 0x03, 0x04]],
  ['application/gzip', [0x1f, 0x8b]],
  ['image/webp', [0x52, 0x49, 0x46, 0x46]],
];

/**
 * What a body that claims to be text really is, when it is binary: a known
 * file signature, or `application/octet-stream` when more than 10% of its
 * first 1024 bytes are control characters. Undefined for text.
 */
export function sniffBinary(body: Uint8Array): string | undefined {
  if (bomCharset(body)) return undefined;
  for (const [type, sig] of MAGIC) if (sig.every((b, i) => body[i] === b)) return type;
  const head = body.subarray(0, 1024);
  if (!head.length) return undefined;
  let control = 0;
  for (const b of head)
    if (b === 0 || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d && b !== 0x1b)) control++;
  return control / head.length > 0.1 ? 'application/octet-stream' : undefined;
}
