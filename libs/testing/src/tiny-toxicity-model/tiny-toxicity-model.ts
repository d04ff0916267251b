import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * The six Detoxify labels in the order of Unitary's toxic-bert (and of its
 * ONNX export Xenova/toxic-bert): the `id2label` of its config.json.
 */
export const DETOXIFY_LABELS = ['toxic', 'severe_toxic', 'obscene', 'threat', 'insult', 'identity_hate'] as const;
export type DetoxifyLabel = (typeof DETOXIFY_LABELS)[number];

/** Which labels each trigger word raises by default. */
export const DEFAULT_TRIGGERS: Readonly<Record<string, readonly DetoxifyLabel[]>> = {
  idiot: ['toxic', 'insult'],
  moron: ['toxic', 'insult'],
  kill: ['toxic', 'threat'],
  damn: ['toxic', 'obscene'],
  vermin: ['toxic', 'severe_toxic', 'identity_hate'],
};

/** Ordinary words the vocabulary knows (anything else becomes [UNK], which is harmless too). */
const PLAIN_WORDS = [
  'the',
  'a',
  'an',
  'is',
  'are',
  'was',
  'of',
  'to',
  'in',
  'and',
  'or',
  'what',
  'how',
  'why',
  'which',
  'who',
  'does',
  'do',
  'it',
  'this',
  'that',
  'you',
  'your',
  'we',
  'they',
  'he',
  'she',
  'capital',
  'france',
  'paris',
  'water',
  'boils',
  'at',
  'degrees',
  'rust',
  'memory',
  'safe',
  'language',
  'question',
  'answer',
  'will',
  'i',
];

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const PUNCTUATION = ['.', ',', '?', '!', "'", '"', ':', ';', '-', '(', ')'];

export interface TinyToxicityModelOptions {
  /** Trigger words (lower case) and the labels each one raises. */
  triggers?: Record<string, readonly DetoxifyLabel[]>;
}

/**
 * Writes a tiny stand-in for Xenova/toxic-bert into `dir`: the same file
 * layout (config.json, tokenizer.json, tokenizer_config.json,
 * onnx/model.onnx), the same graph inputs (input_ids, attention_mask,
 * token_type_ids, int64 [batch, sequence]) and output (logits, float
 * [batch, 6]), so that the inspector loads and runs it through the very code
 * path it uses for the real model.
 *
 * The graph looks each token up in a [vocab, 6] table (0 for ordinary words,
 * +12 on the trigger word's labels), zeroes padded positions with the
 * attention mask, takes the maximum over the sequence and adds a bias of -6:
 * a text with a trigger word gets logit +6 (sigmoid 0.998) on its labels and
 * every other text -6 (sigmoid 0.002).
 */
export async function buildTinyToxicityModel(dir: string, options: TinyToxicityModelOptions = {}): Promise<string> {
  const triggers = options.triggers ?? DEFAULT_TRIGGERS;
  const words = [...new Set([...PLAIN_WORDS, ...Object.keys(triggers)])];
  const vocab = [...SPECIAL, ...PUNCTUATION, ...words];
  const ids = Object.fromEntries(vocab.map((token, i) => [token, i]));

  const labels = DETOXIFY_LABELS.length;
  const table = new Array<number>(vocab.length * labels).fill(0);
  for (const [word, raised] of Object.entries(triggers)) {
    for (const label of raised) table[ids[word]! * labels + DETOXIFY_LABELS.indexOf(label)] = 12;
  }

  await mkdir(path.join(dir, 'onnx'), { recursive: true });
  await writeFile(path.join(dir, 'onnx', 'model.onnx'), encodeGraph(vocab.length, table));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify(configJson(), null, 2));
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(ids), null, 2));
  await writeFile(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify(
      {
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: 512,
        cls_token: '[CLS]',
        sep_token: '[SEP]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        mask_token: '[MASK]',
      },
      null,
      2,
    ),
  );
  return dir;
}

function configJson() {
  return {
    _name_or_path: 'tiny-toxicity-model (test stand-in for Xenova/toxic-bert)',
    architectures: ['BertForSequenceClassification'],
    model_type: 'bert',
    problem_type: 'multi_label_classification',
    id2label: Object.fromEntries(DETOXIFY_LABELS.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(DETOXIFY_LABELS.map((l, i) => [l, i])),
    max_position_embeddings: 512,
    vocab_size: 0,
  };
}

function tokenizerJson(ids: Record<string, number>) {
  const special = (content: string) => ({
    id: ids[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map(special),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function tensorType(elemType: number, dims: (string | number)[]) {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  };
}

function encodeGraph(vocabSize: number, table: number[]): Uint8Array {
  const labels = DETOXIFY_LABELS.length;
  const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
    ({ opType, input, output, name: output[0], attribute }) as InstanceType<typeof onnx.NodeProto>;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'datafactory-tiny-toxicity-model',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_toxicity',
      input: [
        { name: 'input_ids', type: tensorType(INT64, ['batch_size', 'sequence_length']) },
        { name: 'attention_mask', type: tensorType(INT64, ['batch_size', 'sequence_length']) },
        { name: 'token_type_ids', type: tensorType(INT64, ['batch_size', 'sequence_length']) },
      ],
      output: [{ name: 'logits', type: tensorType(FLOAT, ['batch_size', labels]) }],
      initializer: [
        { name: 'word_table', dataType: FLOAT, dims: [vocabSize, labels], floatData: table },
        // Token types contribute nothing; they are used so that the graph takes the same inputs as BERT.
        { name: 'type_table', dataType: FLOAT, dims: [2, labels], floatData: new Array(2 * labels).fill(0) },
        { name: 'bias', dataType: FLOAT, dims: [labels], floatData: new Array(labels).fill(-6) },
        { name: 'last_axis', dataType: INT64, dims: [1], int64Data: [-1] },
      ],
      node: [
        node('Gather', ['word_table', 'input_ids'], ['word_scores']),
        node('Gather', ['type_table', 'token_type_ids'], ['type_scores']),
        node('Add', ['word_scores', 'type_scores'], ['token_scores']),
        node('Cast', ['attention_mask'], ['mask_float'], [{ name: 'to', type: 2, i: FLOAT }]),
        node('Unsqueeze', ['mask_float', 'last_axis'], ['mask_3d']),
        node('Mul', ['token_scores', 'mask_3d'], ['masked_scores']),
        node(
          'ReduceMax',
          ['masked_scores'],
          ['max_scores'],
          [
            { name: 'axes', type: 7, ints: [1] },
            { name: 'keepdims', type: 2, i: 0 },
          ],
        ),
        node('Add', ['max_scores', 'bias'], ['logits']),
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
