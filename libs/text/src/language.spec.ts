import { beforeAll, describe, expect, it } from 'vitest';
import { detectLanguage, loadLanguageDetector } from './language.js';

// The model loads on first use: not inside a test's time limit.
beforeAll(() => loadLanguageDetector(), 60_000);

describe('detectLanguage', () => {
  it.each([
    ['en', 'The quick brown fox jumps over the lazy dog while the farmer watches from the porch.'],
    ['de', 'Der schnelle braune Fuchs springt über den faulen Hund, während der Bauer zusieht.'],
    ['fr', 'Le renard brun rapide saute par-dessus le chien paresseux pendant que le fermier regarde.'],
    ['es', 'El rápido zorro marrón salta sobre el perro perezoso mientras el granjero mira desde el porche.'],
    ['pt', 'A rápida raposa marrom pula sobre o cão preguiçoso enquanto o fazendeiro observa da varanda.'],
    ['ru', 'Быстрая коричневая лиса перепрыгивает через ленивую собаку, пока фермер смотрит с крыльца.'],
    ['ja', '素早い茶色の狐が怠け者の犬を飛び越え、農夫がポーチから見ている。'],
  ])('gives ISO 639-1 code %s', (code, text) => {
    expect(detectLanguage(text)).toBe(code);
  });

  it('says null for text too short or without words', () => {
    expect(detectLanguage('')).toBeNull();
    expect(detectLanguage('ok')).toBeNull();
    expect(detectLanguage('12345 67890 ### --- https://example.com/a/b')).toBeNull();
  });
});
