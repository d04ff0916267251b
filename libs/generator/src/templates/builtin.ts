import type { TemplateSpec } from './template.js';

/*
 * The four built-in templates. They have the shape of a user template
 * (DATA_DIR/templates/<type>/{template.json,system.njk,user.njk}); they live
 * in code so that the built apps carry them without copying data files.
 */

const LANGUAGE = `Write in the language of the text{% if language %} (language code "{{ language }}"){% endif %}.`;
const SOURCE = `{% if document.title %}Source: "{{ document.title }}"{% if document.url %} ({{ document.url }}){% endif %}
{% endif %}`;
const TEXT = `Text:
"""
{{ chunk.text }}
"""`;

const closed = (properties: Record<string, { type: string; minLength?: number; description: string }>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

export const BUILTIN_TEMPLATES: readonly TemplateSpec[] = [
  {
    type: 'qa',
    description: 'Question-answer pairs answerable from the chunk alone.',
    examplesPerChunk: 3,
    outputTokensPerExample: 90,
    system: `You write question-answer pairs for training a language model.
Every question must be answerable from the given text alone, specific, and different from the others (facts, reasons, procedures, comparisons).
Every answer is a complete, correct answer grounded only in the text; never invent facts.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} question-answer pairs from this text.
${SOURCE}
${TEXT}

Reply with a JSON object: {"examples": [{"question": "...", "answer": "..."}]}`,
    input: '{{ example.question }}',
    output: '{{ example.answer }}',
    schema: closed({
      question: { type: 'string', minLength: 3, description: 'A question answerable from the text' },
      answer: { type: 'string', minLength: 1, description: 'The answer, grounded in the text' },
    }),
  },
  {
    type: 'summarization',
    description: 'Summaries of the chunk in varied forms (one sentence, a paragraph, bullet points...).',
    examplesPerChunk: 3,
    outputTokensPerExample: 120,
    system: `You write summarization examples for training a language model.
Each example is an instruction asking for a summary of the text in one particular form (one sentence, a short paragraph, three bullet points, a summary for a beginner...) and a faithful summary in exactly that form.
Summaries use only what the text says.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} summarization examples, each in a different form, for this text.
${SOURCE}
${TEXT}

Reply with a JSON object: {"examples": [{"instruction": "...", "summary": "..."}]}`,
    input: '{{ example.instruction }}\n\n{{ chunk.text }}',
    output: '{{ example.summary }}',
    schema: closed({
      instruction: { type: 'string', minLength: 3, description: 'What kind of summary to write' },
      summary: { type: 'string', minLength: 1, description: 'The summary, in that form' },
    }),
  },
  {
    type: 'classification',
    description:
      'Passages of the chunk with a label: a topic label, or one of generation.template_params.labels when given.',
    examplesPerChunk: 3,
    outputTokensPerExample: 70,
    system: `You write text classification examples for training a language model.
Take passages of one to three sentences from the text (quoted or lightly shortened) and label each with {% if params.labels %}exactly one of these labels: {{ params.labels | join(", ") }}{% else %}a short topic label (one to three lowercase words){% endif %}.
Give a one-sentence rationale for each label.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} classification examples from this text.
${SOURCE}
${TEXT}

Reply with a JSON object: {"examples": [{"text": "...", "label": "...", "rationale": "..."}]}`,
    input:
      'Classify the following text{% if params.labels %} as one of: {{ params.labels | join(", ") }}{% endif %}.\n\n{{ example.text }}',
    output: '{{ example.label }}',
    schema: closed({
      text: { type: 'string', minLength: 1, description: 'A passage from the text' },
      label: { type: 'string', minLength: 1, description: 'Its label' },
      rationale: { type: 'string', description: 'Why this label' },
    }),
  },
  {
    type: 'instruction',
    description: 'Instruction-following examples (instruction, optional input, output) grounded in the chunk.',
    examplesPerChunk: 3,
    outputTokensPerExample: 220,
    system: `You write instruction-following examples for training a language model.
Each is a task a user could ask an assistant about the material in the text (explain, compare, list the steps, rewrite, apply to a case), an optional input the task needs (or an empty string), and a high-quality output that uses only information from the text.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} different instruction-following examples from this text.
${SOURCE}
${TEXT}

Reply with a JSON object: {"examples": [{"instruction": "...", "input": "...", "output": "..."}]}`,
    input: '{{ example.instruction }}{% if example.input %}\n\n{{ example.input }}{% endif %}',
    output: '{{ example.output }}',
    schema: closed({
      instruction: { type: 'string', minLength: 3, description: 'The task' },
      input: { type: 'string', description: 'Context the task needs, or an empty string' },
      output: { type: 'string', minLength: 1, description: 'The response' },
    }),
  },
];
