import { CONFIG_FIELDS, CONFIG_PANELS, checkValues, initialValues, toJobConfig } from './job-config';

describe('job config form model', () => {
  it("has one panel per stage and DESIGN.md's defaults", () => {
    expect(CONFIG_PANELS.map((panel) => panel.section)).toEqual([
      'scraping',
      'processing',
      'generation',
      'quality',
      'export',
    ]);
    expect(initialValues()).toEqual({
      'scraping.max_concurrent': 3,
      'scraping.use_playwright': 'auto',
      'scraping.respect_robots_txt': true,
      'scraping.respect_ai_reservations': true,
      'processing.chunk_size': 512,
      'processing.chunk_strategy': 'recursive',
      'generation.template': 'qa',
      'generation.model': 'gpt-4o-mini',
      'generation.examples_per_chunk': 3,
      'generation.max_concurrent_llm': 5,
      'quality.min_score': 0.7,
      'quality.checks': ['toxicity', 'readability', 'format'],
      'quality.grounded.threshold': 0.6,
      'quality.judge.model': '',
      'export.format': 'jsonl',
    });
    expect(CONFIG_FIELDS).toHaveLength(15);
  });

  it('sends nothing for the defaults and only the changed fields otherwise', () => {
    expect(toJobConfig(initialValues())).toEqual({});
    const values = { ...initialValues(), 'generation.examples_per_chunk': 2, 'quality.checks': ['format'] };
    expect(toJobConfig(values)).toEqual({ generation: { examples_per_chunk: 2 }, quality: { checks: ['format'] } });
  });

  it('nests a dotted key: the judge model is quality.judge.model, read back from a saved config', () => {
    const values = { ...initialValues(), 'quality.checks': ['judge'], 'quality.judge.model': 'gpt-4o' };
    expect(toJobConfig(values)).toEqual({ quality: { checks: ['judge'], judge: { model: 'gpt-4o' } } });
    const grounded = { ...initialValues(), 'quality.checks': ['grounded'], 'quality.grounded.threshold': 0.5 };
    expect(toJobConfig(grounded)).toEqual({ quality: { checks: ['grounded'], grounded: { threshold: 0.5 } } });
    expect(initialValues({ quality: { judge: { model: 'gpt-4o' } } })['quality.judge.model']).toBe('gpt-4o');
    expect(checkValues(values)).toEqual([]);
  });

  it('asks for a judge model when the judge check is on (the API answers 400 without one)', () => {
    expect(checkValues({ ...initialValues(), 'quality.checks': ['judge'] })).toEqual([
      'Judge model: required for the judge check',
    ]);
    expect(checkValues(initialValues())).toEqual([]);
  });

  it('starts from saved defaults where they name a known field of the right type', () => {
    const values = initialValues({ export: { format: 'csv' }, generation: { model: 42 }, nonsense: { a: 1 } });
    expect(values['export.format']).toBe('csv');
    expect(values['generation.model']).toBe('gpt-4o-mini');
  });

  it('reports out-of-range numbers and empty text before the API does', () => {
    const values = {
      ...initialValues(),
      'quality.min_score': 2,
      'generation.model': ' ',
      'processing.chunk_size': Number.NaN,
    };
    expect(checkValues(values)).toEqual([
      'Chunk size (tokens): a number is needed',
      'Model: required',
      'Minimum score: between 0 and 1',
    ]);
  });
});
