/**
 * `npm run bench -- inspect [COUNT]`: the inspector's throughput, as name=value lines.
 *
 * COUNT (default 2000) synthetic Q&A examples, one in ten a planted
 * near-duplicate and one in fifty containing a toxic trigger word, inspected
 * in batches of 32 the way a worker would:
 * - all_local_examples_per_s: format, readability, duplicates and toxicity, the
 *   toxicity model being the tiny stand-in (libs/testing) run through
 *   onnxruntime-node, so this measures everything but a real BERT forward pass;
 * - no_toxicity_examples_per_s: format, readability and duplicates only;
 * - duplicates_examples_per_s: the near-duplicate index alone on 10,000 examples;
 * - planted duplicates found and toxic examples flagged, as a sanity check;
 * - peak_rss_mb and heap_used_mb.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type InspectableExample, Inspector, NearDuplicateIndex, resolveQualityConfig } from '@datafactory/inspector';
import { buildTinyToxicityModel } from '@datafactory/testing';

const print = (name: string, value: number | string) =>
  console.log(`${name}=${typeof value === 'number' ? Number(value.toFixed(3)) : value}`);

const BATCH = 32;

export async function run(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 2000);
  const examples = syntheticExamples(count, 11);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'df-bench-inspect-'));
  try {
    const model = await buildTinyToxicityModel(path.join(tmp, 'tiny-toxic-bert'));
    print('examples', count);

    const all = await timed(examples, ['format', 'readability', 'duplicates', 'toxicity'], model);
    print('all_local_examples_per_s', count / all.seconds);
    print('all_local_duplicates_found', all.duplicates);
    print('all_local_toxic_flagged', all.toxic);
    print('all_local_passed', all.passed);

    const local = await timed(examples, ['format', 'readability', 'duplicates'], model);
    print('no_toxicity_examples_per_s', count / local.seconds);

    const many = syntheticExamples(10_000, 5);
    const index = new NearDuplicateIndex({ threshold: 0.9 });
    const started = performance.now();
    let found = 0;
    for (const e of many) if (index.add(e.id, `${e.inputText}\n${e.outputText}`)) found++;
    print('duplicates_examples_per_s', many.length / ((performance.now() - started) / 1000));
    print('duplicates_found_of_planted', `${found}/${many.filter((e) => e.id.startsWith('dup')).length}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  print('heap_used_mb', process.memoryUsage().heapUsed / 2 ** 20);
  print('peak_rss_mb', process.resourceUsage().maxRSS / 1024);
}

async function timed(examples: InspectableExample[], checks: string[], model: string) {
  const inspector = new Inspector({ config: resolveQualityConfig({ checks, toxicity: { model } }) });
  // Warm-up outside the timing: load the model and the language detector.
  await new Inspector({ config: resolveQualityConfig({ checks, toxicity: { model } }) }).inspect(examples.slice(0, 4));
  const started = performance.now();
  let duplicates = 0;
  let toxic = 0;
  let passed = 0;
  for (let i = 0; i < examples.length; i += BATCH) {
    for (const r of await inspector.inspect(examples.slice(i, i + BATCH))) {
      if (r.details.checks.duplicates?.status === 'fail') duplicates++;
      if (r.details.checks.toxicity?.status === 'fail') toxic++;
      if (r.passed) passed++;
    }
  }
  return { seconds: (performance.now() - started) / 1000, duplicates, toxic, passed };
}

const SYLLABLES = 'ka lo mi re su ta ne po vi da ze fu gi ho ja be cu'.split(' ');
const VERBS = 'explains describes changes protects measures connects stores reduces supports shapes'.split(' ');

function syntheticExamples(count: number, seed: number): InspectableExample[] {
  let s = seed;
  const random = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  // Pseudo-words from a large vocabulary: examples share grammar, not content, as real ones do.
  const word = () => Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join('');
  const sentence = () =>
    `The ${word()} ${pick(VERBS)} the ${word()} of the ${word()} in ${1800 + Math.floor(random() * 220)}.`;
  const out: InspectableExample[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 10 === 9) {
      const original = out[Math.floor(random() * out.length)]!;
      out.push({ ...original, id: `dup${i}`, outputText: `${original.outputText} ` });
      continue;
    }
    const answer = [sentence(), sentence(), sentence()].join(' ');
    out.push({
      id: `e${i}`,
      templateType: 'qa',
      inputText: `How does the ${word()} relate to the ${word()} number ${i}?`,
      outputText: i % 50 === 7 ? `${answer} What an idiot.` : answer,
      chunkLanguage: 'en',
    });
  }
  return out;
}
