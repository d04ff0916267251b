/**
 * `npm run bench -- generate [--chunks 1000] [--latency 200] [--concurrency 5]`:
 * generates examples for N chunks against the fake OpenAI server (fixed
 * latency per request) through the real client path, and compares the wall
 * time with the bound chunks × latency / concurrency (one call per chunk).
 */
import { Generator, LlmConnection, TemplateRegistry } from '@datafactory/generator';
import { FakeOpenAiServer } from '@datafactory/testing';

function arg(args: string[], name: string, def: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i === -1 ? undefined : Number(args[i + 1]);
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : def;
}

export async function run(args: string[]): Promise<void> {
  const chunks = arg(args, 'chunks', 1000);
  const latencyMs = arg(args, 'latency', 200);
  const concurrency = arg(args, 'concurrency', 5);
  const server = await new FakeOpenAiServer({ latencyMs }).start();
  try {
    const template = TemplateRegistry.builtins().get('qa');
    const generator = new Generator({
      connection: new LlmConnection('sk-bench', server.baseUrl),
      model: 'gpt-4o-mini',
      maxConcurrent: concurrency,
    });
    // Warm-up outside the timing: loads the tokenizer and opens connections.
    await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        generator.generate({ id: `warm-${i}`, text: 'Warm-up chunk.' }, { template }),
      ),
    );
    server.reset();
    const text =
      'Rust uses ownership to manage memory: every value has a single owner, and the value is dropped when the owner goes out of scope. ';
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: chunks }, (_, i) =>
        generator.generate({ id: `chunk-${i}`, text: `${i}. ${text.repeat(4)}` }, { template }),
      ),
    );
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const calls = results.reduce((n, r) => n + r.calls.length, 0);
    const examples = results.reduce((n, r) => n + r.examples.filter((e) => e.status === 'ok').length, 0);
    const boundMs = (chunks * latencyMs) / concurrency;
    const meanCallMs = results.reduce((s, r) => s + r.latencyMs, 0) / calls;
    const lines: [string, string | number][] = [
      ['chunks', chunks],
      ['latency_ms', latencyMs],
      ['concurrency', concurrency],
      ['calls', calls],
      ['examples_ok', examples],
      ['server_max_in_flight', server.maxInFlight],
      ['wall_s', (wallMs / 1000).toFixed(2)],
      ['bound_s', (boundMs / 1000).toFixed(2)],
      ['ratio_to_bound', (wallMs / boundMs).toFixed(3)],
      ['client_overhead_per_call_ms', (meanCallMs - latencyMs).toFixed(2)],
      ['client_cpu_per_call_ms', ((cpu.user + cpu.system) / 1000 / calls).toFixed(2)],
    ];
    for (const [k, v] of lines) console.log(`${k}=${v}`);
  } finally {
    await server.stop();
  }
}
