import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TemplateError, UnknownTemplateError } from '../errors.js';
import { TemplateRegistry } from './registry.js';
import { SAMPLE_VARIABLES } from './template.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'df-templates-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeTemplate(name: string, files: Record<string, string>): Promise<void> {
  await mkdir(path.join(dir, 'templates', name), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, 'templates', name, file), text);
}

const GOOD = {
  'template.json': JSON.stringify(
    {
      description: 'Glossary entries',
      examples_per_chunk: 2,
      schema: {
        type: 'object',
        properties: { term: { type: 'string' }, definition: { type: 'string' } },
        required: ['term', 'definition'],
        additionalProperties: false,
      },
      input: 'Define {{ example.term }}',
      output: '{{ example.definition }}',
    },
    null,
    2,
  ),
  'system.njk': 'You write glossary entries in {{ language or "English" }}.',
  'user.njk': 'Write {{ examples_per_chunk }} entries from:\n{{ chunk.text }}\n({{ document.title }})',
};

describe('TemplateRegistry', () => {
  it('has the eight built-ins, each with a schema, prompts, variables and a content hash', () => {
    const registry = TemplateRegistry.builtins();
    expect(registry.list().map((t) => t.type)).toEqual([
      'qa',
      'summarization',
      'classification',
      'instruction',
      'conversation',
      'preference',
      'rag',
      'reasoning',
    ]);
    for (const t of registry.list()) {
      expect(t.hash).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(t.variables).toContain('chunk.text');
      expect(t.spec.schema.type).toBe('object');
      const { system, user } = t.render({
        ...SAMPLE_VARIABLES,
        chunk: { ...SAMPLE_VARIABLES.chunk, text: 'Rust <b>owns</b> memory.' },
      });
      expect(system.length).toBeGreaterThan(50);
      // No HTML escaping: the chunk goes in as written.
      expect(user).toContain('Rust <b>owns</b> memory.');
    }
    expect(new Set(registry.list().map((t) => t.hash)).size).toBe(8);
  });

  it('maps an example to input and output texts and validates it', () => {
    const qa = TemplateRegistry.builtins().get('qa');
    expect(qa.texts({ question: 'Q?', answer: 'A.' }, SAMPLE_VARIABLES)).toEqual({ inputText: 'Q?', outputText: 'A.' });
    expect(qa.validateExample({ question: 'What?' })).toMatch(/answer/);
    expect(qa.validateExample({ question: 'What?', answer: 'That.' })).toBeNull();
    const wire = qa.wireSchema();
    expect(wire.strict).toBe(true);
    expect(JSON.stringify(wire.schema)).not.toContain('minLength');
  });

  it('loads user templates from DATA_DIR/templates', async () => {
    await writeTemplate('glossary', GOOD);
    const registry = await TemplateRegistry.load({ dataDir: dir });
    expect(registry.errors).toEqual([]);
    const t = registry.get('glossary');
    expect(t.source).toBe('user');
    expect(t.spec.examplesPerChunk).toBe(2);
    expect(t.variables).toEqual(['chunk.text', 'document.title', 'examples_per_chunk', 'language']);
    expect(t.render(SAMPLE_VARIABLES).user).toContain('Write 3 entries');
  });

  it('rejects a broken template with its file and line, keeping the others', async () => {
    await writeTemplate('glossary', GOOD);
    await writeTemplate('broken', { ...GOOD, 'user.njk': 'line one\nline two\n{% if chunk.text %}\nno endif' });
    await writeTemplate('badjson', { ...GOOD, 'template.json': '{\n  "schema": {},\n  oops\n}' });
    await writeTemplate('badtag', { ...GOOD, 'system.njk': 'ok\n{{ chunk.text | nosuchfilter }}' });
    const registry = await TemplateRegistry.load({ dataDir: dir });
    expect(registry.has('glossary')).toBe(true);
    const byName = Object.fromEntries(registry.errors.map((e) => [e.template, e]));
    expect(byName.broken!.file).toBe(path.join(dir, 'templates', 'broken', 'user.njk'));
    expect(byName.broken!.line).toBe(4);
    expect(byName.badjson!.file).toMatch(/badjson\/template\.json$/);
    expect(byName.badjson!.line).toBe(3);
    expect(byName.badtag!.file).toMatch(/badtag\/system\.njk$/);
    expect(byName.badtag!.line).toBe(2);
    expect(() => registry.get('broken')).toThrow(TemplateError);
    expect(() => registry.get('broken')).toThrow(/broken\/user\.njk:4/);
    expect(() => registry.get('nope')).toThrow(UnknownTemplateError);
  });

  it('rejects a schema that is not an object schema, and a built-in name', async () => {
    await writeTemplate('flat', {
      ...GOOD,
      'template.json': JSON.stringify({ schema: { type: 'string' }, input: '', output: '' }),
    });
    await writeTemplate('qa', GOOD);
    const registry = await TemplateRegistry.load({ dataDir: dir });
    expect(registry.errors.map((e) => e.message).sort()).toEqual([
      expect.stringMatching(/flat.*schema must be a JSON schema of "type": "object"/),
      expect.stringMatching(/qa.*built-in/),
    ]);
    expect(registry.get('qa').source).toBe('builtin');
  });

  it('changes the hash when the content changes, not otherwise', async () => {
    await writeTemplate('a', GOOD);
    await writeTemplate('b', { ...GOOD, 'user.njk': `${GOOD['user.njk']}!` });
    const registry = await TemplateRegistry.load({ dataDir: dir });
    expect(registry.get('a').hash).not.toBe(registry.get('b').hash);
    const again = await TemplateRegistry.load({ dataDir: dir });
    expect(again.get('a').hash).toBe(registry.get('a').hash);
  });

  it("validates each built-in's sample, and the rules a schema cannot say", () => {
    const registry = TemplateRegistry.builtins();
    const vars = (text: string) => ({ ...SAMPLE_VARIABLES, chunk: { ...SAMPLE_VARIABLES.chunk, text } });
    const chunkText = 'Water boils at 100 °C at sea level. It boils at lower temperatures higher up.';
    for (const t of registry.list()) {
      expect(t.spec.sample, t.type).toBeDefined();
      expect(t.validateExample(t.spec.sample, vars(chunkText)), t.type).toBeNull();
    }
    const conversation = registry.get('conversation');
    const turn = (role: string) => ({ role, content: `a ${role} turn` });
    const dialogue = (...roles: string[]) => ({ system: '', turns: roles.map(turn) });
    const v = vars(chunkText);
    expect(conversation.validateExample(dialogue('user', 'assistant', 'user', 'assistant'), v)).toBeNull();
    expect(conversation.validateExample(dialogue('assistant', 'user', 'assistant', 'user'), v)).toBe(
      'turns[0] must be a user turn',
    );
    expect(conversation.validateExample(dialogue('user', 'assistant', 'assistant', 'user', 'assistant'), v)).toMatch(
      /turns\[2\] must not have the role of the turn before it/,
    );
    expect(conversation.validateExample(dialogue('user', 'assistant', 'user', 'assistant', 'user'), v)).toBe(
      'the last turn must be an assistant turn',
    );
    expect(conversation.validateExample(dialogue('user', 'assistant'), v)).toMatch(/must NOT have fewer than 4 items/);

    const rag = registry.get('rag');
    const quoted = { question: 'Where?', quote: 'Water boils at 100 °C', answer: 'It says Water boils at 100 °C.' };
    expect(rag.validateExample(quoted, v)).toBeNull();
    expect(rag.validateExample({ ...quoted, quote: 'Water freezes at 0 °C' }, v)).toBe(
      'quote must be copied word for word from the text',
    );
    expect(rag.validateExample({ ...quoted, answer: '100 degrees.' }, v)).toBe('answer must contain the quote');

    const preference = registry.get('preference');
    const pair = preference.spec.sample!;
    expect(preference.validateExample({ ...pair, rejected: pair.chosen }, v)).toBe('rejected must differ from chosen');
    expect(preference.validateExample({ ...pair, flaw: 'rude' }, v)).toMatch(
      /must be equal to one of the allowed values/,
    );
  });

  it('asks for one example per persona and for the difficulty in every built-in prompt', () => {
    for (const t of TemplateRegistry.builtins().list()) {
      const { user } = t.render({
        ...SAMPLE_VARIABLES,
        examples_per_chunk: 2,
        params: { personas: ['a nurse', 'a pilot'], difficulty: 'hard' },
      });
      expect(user, t.type).toContain('1. a nurse\n2. a pilot');
      expect(user, t.type).toMatch(/Difficulty: hard/);
      expect(t.render(SAMPLE_VARIABLES).user, t.type).not.toMatch(/persona|Difficulty/);
    }
  });
});
