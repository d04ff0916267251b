import { describe, expect, it } from 'vitest';
import { provenanceOf } from './provenance.js';
import {
  chatTurns,
  domainOf,
  type ExampleRow,
  flatColumns,
  isTrainable,
  toAlpaca,
  toFlatRecord,
  toOpenAi,
  toShareGpt,
} from './shapes.js';
import { withEditedFields } from './source.js';

const CHUNK = 'Rust has ownership.\nEach value has one owner.';

function row(over: Partial<ExampleRow>): ExampleRow {
  return {
    id: 'e1',
    templateType: 'qa',
    inputText: '',
    outputText: '',
    review: 'unreviewed',
    originalOutput: null,
    modelUsed: 'gpt-4o-mini',
    status: 'ok',
    error: null,
    templateHash: 'abc',
    fields: null,
    tokenCount: 10,
    cost: 0.001,
    qualityScore: 0.9,
    qualityDetails: { readability: 0.8 },
    passedQc: true,
    chunkText: CHUNK,
    language: 'en',
    sourceUrl: 'https://www.example.com/a',
    sourceTitle: 'A',
    domain: 'example.com',
    ...over,
  };
}

// The examples as libs/generator renders them (templates/builtin.ts).
const qa = row({
  templateType: 'qa',
  inputText: 'Who owns a value?',
  outputText: 'Exactly one owner.',
  fields: { question: 'Who owns a value?', answer: 'Exactly one owner.' },
});
const summarization = row({
  templateType: 'summarization',
  inputText: `Summarize in one sentence.\n\n${CHUNK}`,
  outputText: 'Values have one owner.',
  fields: { instruction: 'Summarize in one sentence.', summary: 'Values have one owner.' },
});
const classification = row({
  templateType: 'classification',
  inputText: 'Classify the following text as one of: memory, syntax.\n\nEach value has one owner.',
  outputText: 'memory',
  fields: { text: 'Each value has one owner.', label: 'memory', rationale: 'about ownership' },
});
const instruction = row({
  templateType: 'instruction',
  inputText: 'Explain ownership to a beginner.\n\nAssume they know C.',
  outputText: 'In Rust every value has one owner...',
  fields: {
    instruction: 'Explain ownership to a beginner.',
    input: 'Assume they know C.',
    output: 'In Rust every value has one owner...',
  },
});

describe('template → shape mapping', () => {
  it('maps each template onto alpaca with the instruction apart from its material', () => {
    expect(toAlpaca(qa)).toEqual({ instruction: 'Who owns a value?', input: '', output: 'Exactly one owner.' });
    expect(toAlpaca(summarization)).toEqual({
      instruction: 'Summarize in one sentence.',
      input: CHUNK,
      output: 'Values have one owner.',
    });
    expect(toAlpaca(classification)).toEqual({
      instruction: 'Classify the following text as one of: memory, syntax.',
      input: 'Each value has one owner.',
      output: 'memory',
    });
    expect(toAlpaca(instruction)).toEqual({
      instruction: 'Explain ownership to a beginner.',
      input: 'Assume they know C.',
      output: 'In Rust every value has one owner...',
    });
  });

  it('falls back to inputText → instruction / user and outputText → output / assistant without fields', () => {
    const plain = row({ templateType: 'custom', inputText: 'Q?', outputText: 'A.' });
    expect(toAlpaca(plain)).toEqual({ instruction: 'Q?', input: '', output: 'A.' });
    expect(toAlpaca({ ...summarization, fields: null })).toEqual({
      instruction: summarization.inputText,
      input: '',
      output: 'Values have one owner.',
    });
    expect(chatTurns(plain)).toEqual({ user: 'Q?', assistant: 'A.' });
  });

  it('uses the rendered texts as user and assistant turns, rebuilt from the fields when empty', () => {
    for (const r of [qa, summarization, classification, instruction]) {
      expect(toOpenAi(r)).toEqual({
        messages: [
          { role: 'user', content: r.inputText },
          { role: 'assistant', content: r.outputText },
        ],
      });
      expect(toShareGpt(r)).toEqual({
        conversations: [
          { from: 'human', value: r.inputText },
          { from: 'gpt', value: r.outputText },
        ],
      });
    }
    const bare = { ...instruction, inputText: '', outputText: '' };
    expect(chatTurns(bare)).toEqual({
      user: 'Explain ownership to a beginner.\n\nAssume they know C.',
      assistant: 'In Rust every value has one owner...',
    });
  });

  it('calls an example untrainable when a turn would be empty', () => {
    expect(isTrainable(qa)).toBe(true);
    expect(isTrainable(row({ inputText: 'Q?', outputText: '  ' }))).toBe(false);
    expect(isTrainable(row({ inputText: '', outputText: 'A' }))).toBe(false);
  });
});

describe('edited examples', () => {
  it('put the reviewer’s output wherever the generated one was, in every shape', () => {
    const generated = 'Exactly one owner.';
    const fields = withEditedFields({ question: 'Who owns a value?', answer: generated }, generated, 'One owner.');
    expect(fields).toEqual({ question: 'Who owns a value?', answer: 'One owner.' });
    const edited = row({
      inputText: 'Who owns a value?',
      outputText: 'One owner.',
      fields,
      review: 'edited',
      originalOutput: generated,
    });
    expect(toAlpaca(edited)).toMatchObject({ instruction: 'Who owns a value?', output: 'One owner.' });
    expect(toFlatRecord(edited, false)).toMatchObject({
      output: 'One owner.',
      original_output: generated,
      review: 'edited',
    });
    const turns = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello there.' },
    ];
    expect(withEditedFields({ turns }, 'Hello there.', 'Hello!')).toEqual({
      turns: [turns[0], { role: 'assistant', content: 'Hello!' }],
    });
    expect(withEditedFields(null, 'a', 'b')).toBeNull();
  });
});

describe('flat records', () => {
  it('carry source, model and scores; analysis columns only with include_failed', () => {
    expect(toFlatRecord(qa, false)).toEqual({
      id: 'e1',
      template: 'qa',
      input: 'Who owns a value?',
      output: 'Exactly one owner.',
      source_url: 'https://www.example.com/a',
      source_title: 'A',
      domain: 'example.com',
      language: 'en',
      model: 'gpt-4o-mini',
      template_hash: 'abc',
      token_count: 10,
      cost: 0.001,
      quality_score: 0.9,
      passed_qc: true,
      review: 'unreviewed',
      original_output: null,
      license: null,
      provenance: null,
    });
    const provenance = provenanceOf({
      url: 'https://user:pw@www.example.com/a?x=1',
      finalUrl: null,
      httpStatus: '200',
      fetchedAt: 1_764_576_000_000,
      metadata: JSON.stringify({
        etag: '"v1"',
        refiner: { textSha256: 'ab'.repeat(32) },
        terms: {
          robotsMeta: ['noimageai'],
          xRobotsTag: [],
          tdm: { header: { reservation: 0, policy: null } },
          license: { url: 'https://creativecommons.org/licenses/by/4.0/', id: 'CC-BY-4.0' },
        },
      }),
      chunkMetadata: { start: 10, end: 250 },
    });
    expect(provenance).toMatchObject({
      url: 'https://www.example.com/a?x=1',
      fetched_at: '2025-12-01T08:00:00.000Z',
      http_status: 200,
      etag: '"v1"',
      last_modified: null,
      text_sha256: 'ab'.repeat(32),
      chunk_start: 10,
      chunk_end: 250,
      license: 'CC-BY-4.0',
      tdm_reservation: 0,
      terms: {
        robots_meta: ['noimageai'],
        x_robots_tag: [],
        tdm: { tdmrep_json: null, http_header: { reservation: 0, policy: null }, html_meta: null },
        license: { url: 'https://creativecommons.org/licenses/by/4.0/', id: 'CC-BY-4.0' },
      },
    });
    const withSource = { ...qa, provenance };
    expect(toFlatRecord(withSource, false)).toMatchObject({
      license: 'CC-BY-4.0',
      provenance: JSON.stringify(provenance),
    });
    expect(toFlatRecord(withSource, false, true).provenance).toEqual(provenance);
    expect(toFlatRecord(qa, true)).toMatchObject({ status: 'ok', error: null, quality_details: '{"readability":0.8}' });
    expect(Object.keys(toFlatRecord(qa, true))).toEqual(flatColumns(true).map((c) => c.name));
    expect(Object.keys(toFlatRecord(qa, false))).toEqual(flatColumns(false).map((c) => c.name));
  });

  it('takes the domain from the host without www.', () => {
    expect(domainOf('https://WWW.Example.com:8080/x?y')).toBe('example.com');
    expect(domainOf('https://docs.rs/a')).toBe('docs.rs');
    expect(domainOf('not a url')).toBe('');
    expect(domainOf(null)).toBe('');
  });
});
