/**
 * The fake OpenAI-compatible server's injected faults, over real HTTP on
 * 127.0.0.1: each looks the way a misbehaving real server answers, and the
 * rates hold on a fixed schedule (the e2e fault matrix relies on both).
 */
import { FakeOpenAiServer } from '@datafactory/testing';
import { afterEach, describe, expect, it } from 'vitest';

const REPLY = JSON.stringify({
  examples: [1, 2, 3, 4].map((n) => ({ question: `Question ${n}?`, answer: `Answer ${n}.` })),
});

describe('fake OpenAI server faults', () => {
  let server: FakeOpenAiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  const ask = async (timeoutMs = 2_000) => {
    const res = await fetch(`${server!.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Write 4 questions.' }] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, headers: res.headers, body: (await res.json()) as any };
  };

  it('injects each fault the way real servers answer', async () => {
    const seen: Record<string, Awaited<ReturnType<typeof ask>>> = {};
    for (const kind of [
      'prose',
      'fenced',
      'truncated',
      'fewer_items',
      'empty_choices',
      'rate_limited',
      'server_error',
    ] as const) {
      server = await new FakeOpenAiServer({ content: () => REPLY, faults: { [kind]: 1 } }).start();
      seen[kind] = await ask();
      expect(server.requests[0]!.fault).toBe(kind);
      expect(server.injected[kind]).toBe(1);
      await server.stop();
    }
    const content = (kind: string) => seen[kind]!.body.choices[0].message.content as string;
    expect(content('prose')).toMatch(/^Sure! .*\n\{"examples".*\}\n.+/);
    expect(content('fenced')).toBe(`\`\`\`json\n${REPLY}\n\`\`\``);
    expect(seen.truncated!.body.choices[0].finish_reason).toBe('length');
    expect(content('truncated')).toBe(REPLY.slice(0, Math.ceil(REPLY.length / 2)));
    expect(JSON.parse(content('fewer_items')).examples).toHaveLength(2);
    expect(seen.empty_choices!.status).toBe(200);
    expect(seen.empty_choices!.body.choices).toEqual([]);
    expect(seen.empty_choices!.body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(seen.rate_limited!.status).toBe(429);
    expect(seen.rate_limited!.headers.get('retry-after')).toBe('1');
    expect(seen.rate_limited!.body.error.code).toBe('rate_limit_exceeded');
    expect(seen.server_error!.status).toBe(500);

    server = await new FakeOpenAiServer({ faults: { hang: 1 } }).start();
    await expect(ask(300)).rejects.toThrow(/timeout|aborted/i);
    expect(server.injected.hang).toBe(1);
  });

  it('spreads faults on a fixed schedule: r × N of N requests (±1 where two fall due at once), never by luck', async () => {
    server = await new FakeOpenAiServer({ content: () => REPLY, faults: { server_error: 0.25, prose: 0.5 } }).start();
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) statuses.push((await ask()).status);
    expect(Math.abs(server.injected.server_error - 4)).toBeLessThanOrEqual(1);
    expect(Math.abs(server.injected.prose - 8)).toBeLessThanOrEqual(1);
    expect(statuses.filter((s) => s === 500)).toHaveLength(server.injected.server_error);
    expect(server.requests.filter((r) => r.fault === undefined).length).toBe(
      16 - server.injected.server_error - server.injected.prose,
    );
    // Scripted replies come first and take no fault.
    server.enqueue({ content: 'scripted' });
    expect((await ask()).body.choices[0].message.content).toBe('scripted');
    expect(server.requests.at(-1)!.fault).toBeUndefined();
  });

  it('refuses unknown faults and rates that add up to more than 1', () => {
    expect(() => new FakeOpenAiServer({ faults: { nonsense: 0.1 } as never })).toThrow(/unknown fault "nonsense"/);
    expect(() => new FakeOpenAiServer({ faults: { prose: 0.6, hang: 0.6 } })).toThrow(/more than 1/);
    expect(() => new FakeOpenAiServer({ faults: { prose: 2 } })).toThrow(/0\.\.1/);
  });
});
