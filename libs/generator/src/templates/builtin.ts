import type { TemplateSpec, TemplateVariables } from './template.js';

/*
 * The built-in templates. They have the shape of a user template
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

/* Per-chunk controls (generation.template_params): one example per persona, and a difficulty. */
const CONTROLS = `{% if params.personas %}
Write exactly one example for each of these personas, in this order; each is asked by, or written for, that persona (their knowledge, needs and tone):
{% for persona in params.personas %}{{ loop.index }}. {{ persona }}
{% endfor %}{% endif %}{% if params.difficulty %}
Difficulty: {{ params.difficulty }} ({% if params.difficulty == "easy" %}a single fact stated plainly in the text{% elif params.difficulty == "hard" %}needs several parts of the text combined, or a careful inference from it{% else %}needs a sentence or two of the text understood together{% endif %}).
{% endif %}`;

type Property = { type: string; minLength?: number; description: string; enum?: string[] } | Record<string, unknown>;

const closed = (properties: Record<string, Property>) => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  additionalProperties: false,
});

/** The flaws a `preference` example's rejected answer may have (its `flaw` label). */
export const PREFERENCE_FLAWS = ['unsupported_claim', 'missing_step', 'wrong_detail'] as const;

const squash = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/** conversation: user first, roles alternating, the assistant last. */
function checkConversation(example: Record<string, unknown>): string | null {
  const turns = example.turns as { role: string }[];
  if (turns[0]?.role !== 'user') return 'turns[0] must be a user turn';
  for (let i = 1; i < turns.length; i++) {
    if (turns[i]!.role === turns[i - 1]!.role)
      return `turns[${i}] must not have the role of the turn before it (${turns[i]!.role})`;
  }
  if (turns.at(-1)?.role !== 'assistant') return 'the last turn must be an assistant turn';
  return null;
}

/** rag: the quote is the chunk's own words, and the answer quotes it. */
function checkRag(example: Record<string, unknown>, vars: TemplateVariables): string | null {
  const quote = squash(String(example.quote));
  if (!squash(vars.chunk.text).includes(quote)) return 'quote must be copied word for word from the text';
  if (!squash(String(example.answer)).includes(quote)) return 'answer must contain the quote';
  return null;
}

/** preference: the two answers differ. */
function checkPreference(example: Record<string, unknown>): string | null {
  return squash(String(example.chosen)) === squash(String(example.rejected))
    ? 'rejected must differ from chosen'
    : null;
}

export const BUILTIN_TEMPLATES: readonly TemplateSpec[] = [
  {
    type: 'qa',
    sample: {
      question: 'What does the text say the boiling point of water is at sea level?',
      answer: '100 degrees Celsius.',
    },
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
${CONTROLS}
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
    sample: {
      instruction: 'Summarize the text in one sentence.',
      summary: 'Water boils at 100 °C at sea level and at lower temperatures higher up.',
    },
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
${CONTROLS}
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
    sample: {
      text: 'Water boils at lower temperatures at high altitude.',
      label: 'physics',
      rationale: 'It describes a physical property of water.',
    },
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
${CONTROLS}
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
    sample: {
      instruction: 'Explain why pasta takes longer to cook in the mountains.',
      input: '',
      output:
        'Water boils at a lower temperature at altitude, so it is cooler when it boils and cooks food more slowly.',
    },
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
${CONTROLS}
Reply with a JSON object: {"examples": [{"instruction": "...", "input": "...", "output": "..."}]}`,
    input: '{{ example.instruction }}{% if example.input %}\n\n{{ example.input }}{% endif %}',
    output: '{{ example.output }}',
    schema: closed({
      instruction: { type: 'string', minLength: 3, description: 'The task' },
      input: { type: 'string', description: 'Context the task needs, or an empty string' },
      output: { type: 'string', minLength: 1, description: 'The response' },
    }),
  },
  {
    type: 'conversation',
    sample: {
      system: '',
      turns: [
        { role: 'user', content: 'At what temperature does water boil?' },
        { role: 'assistant', content: 'At 100 °C at sea level.' },
        { role: 'user', content: 'And in the mountains?' },
        { role: 'assistant', content: 'Lower: the air pressure is lower, so it boils below 100 °C.' },
      ],
    },
    description:
      'Multi-turn dialogues (4 to 8 turns, user and assistant alternating, optional system prompt) grounded in the chunk.',
    examplesPerChunk: 1,
    outputTokensPerExample: 450,
    system: `You write multi-turn conversations between a user and an assistant for training a language model.
Each conversation has 4 to 8 turns: the user speaks first, user and assistant alternate, and the assistant has the last turn.
The user asks about the material in the text, follows up on the answers (asks for details, an example, a clarification); the assistant answers only with what the text says.
Give a one-sentence system prompt for the assistant when the conversation needs one (a role, a tone), otherwise an empty string.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} conversations from this text.
${SOURCE}
${TEXT}
${CONTROLS}
Reply with a JSON object: {"examples": [{"system": "", "turns": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}, ...]}]}`,
    input:
      '{% for turn in example.turns %}{% if not loop.last %}{{ turn.role }}: {{ turn.content }}\n\n{% endif %}{% endfor %}',
    output: '{{ (example.turns | last).content }}',
    schema: closed({
      system: { type: 'string', description: 'A system prompt for the assistant, or an empty string' },
      turns: {
        type: 'array',
        minItems: 4,
        maxItems: 8,
        description: 'The turns, user first, alternating, assistant last',
        items: closed({
          role: { type: 'string', enum: ['user', 'assistant'], description: 'Who speaks' },
          content: { type: 'string', minLength: 1, description: 'What they say' },
        }),
      },
    }),
    check: checkConversation,
  },
  {
    type: 'preference',
    sample: {
      prompt: 'Why does water boil at a lower temperature in the mountains?',
      chosen: 'Because the air pressure is lower at altitude.',
      rejected: 'Because the air is colder at altitude.',
      flaw: 'unsupported_claim',
      flaw_explanation: 'The text gives lower pressure as the reason, not colder air.',
    },
    description:
      'Preference pairs: a prompt, a chosen answer grounded in the chunk and a rejected one with a named flaw (for DPO).',
    examplesPerChunk: 2,
    outputTokensPerExample: 260,
    system: `You write preference pairs for training a language model with DPO.
Each pair is a prompt a user could ask about the text, a chosen answer that is complete, correct and grounded only in the text, and a rejected answer that reads well but has exactly one plausible flaw:
- unsupported_claim: it adds a claim the text does not support;
- missing_step: it leaves out a step or part the answer needs;
- wrong_detail: it gets one detail (a number, name, date, order) wrong.
Label the flaw and say in one sentence what it is.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} preference pairs from this text, with different flaws.
${SOURCE}
${TEXT}
${CONTROLS}
Reply with a JSON object: {"examples": [{"prompt": "...", "chosen": "...", "rejected": "...", "flaw": "unsupported_claim", "flaw_explanation": "..."}]}`,
    input: '{{ example.prompt }}',
    output: '{{ example.chosen }}',
    schema: closed({
      prompt: { type: 'string', minLength: 3, description: 'What the user asks' },
      chosen: { type: 'string', minLength: 1, description: 'The better answer, grounded in the text' },
      rejected: { type: 'string', minLength: 1, description: 'The worse answer, with one flaw' },
      flaw: { type: 'string', enum: [...PREFERENCE_FLAWS], description: 'The flaw of the rejected answer' },
      flaw_explanation: { type: 'string', minLength: 1, description: 'What the flaw is, in one sentence' },
    }),
    check: checkPreference,
  },
  {
    type: 'rag',
    sample: {
      question: 'At what temperature does water boil at sea level?',
      quote: 'Water boils at 100 °C at sea level.',
      answer: 'The text says ##begin_quote##Water boils at 100 °C at sea level.##end_quote## <ANSWER>: 100 °C.',
    },
    description:
      'Retrieval-grounded QA (RAFT): a question, the chunk among distractor chunks of other pages, an answer quoting the chunk.',
    examplesPerChunk: 2,
    outputTokensPerExample: 200,
    system: `You write retrieval-augmented question answering examples for training a language model.
Each is a question a user could ask that this text answers, and an answer that first reasons in a sentence or two, quotes the passage of the text that supports it between ##begin_quote## and ##end_quote##, then states the answer after "<ANSWER>: ".
Give the quoted passage on its own too, copied word for word from the text.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} question-answer examples from this text.
${SOURCE}
${TEXT}
${CONTROLS}
Reply with a JSON object: {"examples": [{"question": "...", "quote": "...", "answer": "... ##begin_quote##...##end_quote## ... <ANSWER>: ..."}]}`,
    input: '{{ example.question }}',
    output: '{{ example.answer }}',
    schema: closed({
      question: { type: 'string', minLength: 3, description: 'A question the text answers' },
      quote: { type: 'string', minLength: 1, description: 'The supporting passage, word for word from the text' },
      answer: { type: 'string', minLength: 1, description: 'Reasoning with the quote, then the answer' },
    }),
    check: checkRag,
    retrieval: true,
  },
  {
    type: 'reasoning',
    sample: {
      question: 'Does water boil above or below 100 °C on a high mountain?',
      steps: [
        'Water boils at 100 °C at sea level.',
        'The boiling point falls as air pressure falls.',
        'Air pressure is lower on a mountain.',
      ],
      answer: 'Below 100 °C.',
    },
    description: 'Questions with step-by-step reasoning and a final answer, grounded in the chunk.',
    examplesPerChunk: 2,
    outputTokensPerExample: 300,
    system: `You write reasoning examples for training a language model to think before it answers.
Each is a question about the text that takes a few steps to answer (combine facts, follow a procedure, compare, infer), the reasoning as a list of short steps that use only what the text says, and the final answer on its own.
${LANGUAGE}
Reply with JSON only.`,
    user: `Write {{ examples_per_chunk }} reasoning examples from this text.
${SOURCE}
${TEXT}
${CONTROLS}
Reply with a JSON object: {"examples": [{"question": "...", "steps": ["...", "..."], "answer": "..."}]}`,
    input: '{{ example.question }}',
    output: '{{ example.answer }}',
    schema: closed({
      question: { type: 'string', minLength: 3, description: 'A question that takes a few steps' },
      steps: {
        type: 'array',
        minItems: 1,
        maxItems: 12,
        description: 'The reasoning, one step per item',
        items: { type: 'string', minLength: 1 },
      },
      answer: { type: 'string', minLength: 1, description: 'The final answer' },
    }),
  },
];
