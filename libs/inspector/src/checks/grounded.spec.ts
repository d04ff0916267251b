import { describe, expect, it } from 'vitest';
import { GROUNDED_CASES, GROUNDED_CHUNKS } from '@datafactory/testing';
import { checkGrounded, groundedAnswer, groundedness, splitSentences, stem } from './grounded.js';
import type { InspectableExample } from '../types.js';

const options = { threshold: 0.6 };

const qa = (chunk: string, answer: string): InspectableExample => ({
  id: 'x',
  templateType: 'qa',
  inputText: 'What does the text say?',
  outputText: answer,
  fields: { question: 'What does the text say?', answer },
  chunkText: chunk,
});

describe('grounded check (local)', () => {
  it('flags unsupported answers with precision and recall of at least 0.9 on the labelled set', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const wrong: string[] = [];
    for (const c of GROUNDED_CASES) {
      const result = checkGrounded(qa(GROUNDED_CHUNKS[c.chunk], c.answer), options);
      const flagged = result.status === 'fail';
      if (flagged && !c.supported) tp++;
      else if (flagged && c.supported) fp++;
      else if (!flagged && !c.supported) fn++;
      if (flagged === c.supported)
        wrong.push(`${c.kind} ${c.supported ? 'supported' : 'unsupported'}: ${c.answer} → ${result.reason}`);
    }
    expect(GROUNDED_CASES.length).toBeGreaterThanOrEqual(40);
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `grounded local: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${GROUNDED_CASES.length} cases)\n${wrong.join('\n')}`,
    );
    expect(precision, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(recall, wrong.join('\n')).toBeGreaterThanOrEqual(0.9);
  });

  const chunk = GROUNDED_CHUNKS.bridge;
  const example = (templateType: string, fields: Record<string, unknown>, outputText = ''): InspectableExample => ({
    id: 'x',
    templateType,
    inputText: 'q',
    outputText,
    fields,
    chunkText: chunk,
  });

  it('quotes the unsupported sentence in the reason, with what is missing', () => {
    const r = checkGrounded(
      qa(chunk, 'The bridge opened in 1932. It was designed by the engineer Robert Hale.'),
      options,
    );
    expect(r.status).toBe('fail');
    expect(r.reason).toBe(
      'unsupported: "It was designed by the engineer Robert Hale.": a name not in the source (Robert, Hale)',
    );
    expect(r.codes).toEqual(['unsupported', 'unsupported_entity']);
    expect(r.score).toBe(0);
    expect(r.data).toMatchObject({ level: 'local', sentences: 2 });
  });

  it('reads each template’s answer: assistant turns, chosen, summary, steps and final answer, rag without its markers', () => {
    const invented = 'It later became a popular filming location for several Hollywood films.';
    const fine = 'The bridge opened to traffic on 14 May 1932.';
    const conversation = (assistant: string) =>
      example('conversation', {
        system: '',
        turns: [
          { role: 'user', content: 'Who made Hollywood films about the bridge in Paris?' },
          { role: 'assistant', content: fine },
          { role: 'user', content: 'Anything else?' },
          { role: 'assistant', content: assistant },
        ],
      });
    // The user's turns make no claims: only the assistant's are checked.
    expect(checkGrounded(conversation('It spans 412 metres across the Tamsin River.'), options).status).toBe('pass');
    expect(checkGrounded(conversation(invented), options).status).toBe('fail');
    expect(groundedAnswer(conversation('x'))).toBe(`${fine}\nx`);

    const preference = (chosen: string) =>
      example('preference', { prompt: 'When?', chosen, rejected: 'In 1999, in Paris.', flaw: 'wrong_detail' });
    expect(checkGrounded(preference(fine), options).status).toBe('pass'); // the rejected answer is wrong on purpose
    expect(checkGrounded(preference(invented), options).status).toBe('fail');

    expect(
      checkGrounded(example('summarization', { instruction: 'Summarize.', summary: invented }), options).status,
    ).toBe('fail');
    expect(checkGrounded(example('summarization', { instruction: 'Summarize.', summary: fine }), options).status).toBe(
      'pass',
    );

    const reasoning = (steps: string[], answer: string) => example('reasoning', { question: 'q?', steps, answer });
    expect(checkGrounded(reasoning([fine, 'It spans 412 metres.'], 'In 1932.'), options).status).toBe('pass');
    // A connective step makes no claim of its own.
    expect(checkGrounded(reasoning([fine, 'Taken together, both hold.'], 'In 1932.'), options).status).toBe('pass');
    expect(checkGrounded(reasoning([fine, 'It spans 512 metres.'], 'In 1932.'), options).status).toBe('fail');
    expect(checkGrounded(reasoning([fine], 'In 1936.'), options).reason).toContain('"In 1936."');

    const rag = example('rag', {
      question: 'When did it open?',
      quote: 'opened to traffic on 14 May 1932',
      answer:
        'The text says the bridge ##begin_quote##opened to traffic on 14 May 1932##end_quote## <ANSWER>: 14 May 1932.',
    });
    expect(checkGrounded(rag, options).status).toBe('pass');
    expect(groundedAnswer(rag)).not.toContain('##');

    // A user template without stored fields: its output text.
    expect(checkGrounded({ ...example('my-template', {}, invented), fields: null }, options).status).toBe('fail');
  });

  it('skips classification labels and answers with nothing to check; no chunk is unavailable', () => {
    expect(
      checkGrounded(example('classification', { text: 'x', label: 'engineering', rationale: '' }), options),
    ).toMatchObject({
      status: 'skipped',
      score: null,
    });
    expect(checkGrounded(qa(chunk, 'Yes.'), options).status).toBe('skipped');
    expect(checkGrounded({ ...qa(chunk, 'It opened in 1932.'), chunkText: null }, options)).toMatchObject({
      status: 'unavailable',
      codes: ['unavailable'],
    });
  });

  it('matches numbers however they are written, and no other number', () => {
    const text =
      'The city had 1.5 million inhabitants in 2020, three times as many as in 1950, and 12 percent were over 80.';
    const g = (answer: string) => checkGrounded(qa(text, answer), options).status;
    expect(g('In 2020 the city had 1,500,000 inhabitants.')).toBe('pass');
    expect(g('The city had 3 times as many inhabitants in 2020 as in 1950.')).toBe('pass');
    expect(g('Twelve percent of the inhabitants were over 80 in 2020.')).toBe('pass');
    expect(g('In 2020 the city had 2.5 million inhabitants.')).toBe('fail');
    expect(g('In 2020 the city had four times as many inhabitants as in 1950.')).toBe('fail');
    expect(g('Thirteen percent of the inhabitants were over 80.')).toBe('fail');
    // "one" and "first" are mostly not numbers in prose.
    expect(g('In 2020 it was one of the cities with 1.5 million inhabitants.')).toBe('pass');
  });

  it('catches a negation added or dropped, but not one the source has too', () => {
    const g = (answer: string) => checkGrounded(qa(GROUNDED_CHUNKS.library, answer), options).status;
    expect(g('The library does not lend its rare manuscripts.')).toBe('pass');
    expect(g('The library lends its rare manuscripts.')).toBe('fail');
    expect(g('Membership is not free for residents of the county.')).toBe('fail');
    expect(g('Membership is free for residents of the county.')).toBe('pass');
  });

  it('takes its threshold from the settings', () => {
    const answer = 'The bridge carried trams, cars, bicycles, horses and pedestrians over the valley.';
    const at = (threshold: number) => checkGrounded(qa(chunk, answer), { threshold });
    const coverage = groundedness(answer, chunk, { threshold: 0 }).coverage!;
    expect(coverage).toBeGreaterThan(0);
    expect(coverage).toBeLessThan(0.6);
    expect(at(0.6).status).toBe('fail');
    expect(at(0.6).codes).toContain('unsupported_claim');
    expect(at(coverage - 0.01).status).toBe('pass');
  });

  it('splits sentences at their ends but not inside numbers, and stems word forms together', () => {
    expect(splitSentences('It grew 3.5 percent. Then it fell!\nA new line')).toEqual([
      'It grew 3.5 percent.',
      'Then it fell!',
      'A new line',
    ]);
    expect(stem('building')).toBe(stem('builds'));
    expect(stem('closed')).toBe(stem('closes'));
    expect(stem('stopped')).toBe(stem('stops'));
    expect(stem('studies')).toBe(stem('study'));
  });
});
