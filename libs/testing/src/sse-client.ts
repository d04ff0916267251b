/* eslint-disable @typescript-eslint/no-explicit-any */
export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

/** A minimal EventSource over fetch: collects events and lets a test wait for one. */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  private waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  private readonly abort = new AbortController();
  ended = false;
  readonly finished: Promise<void>;
  private endWaiters: (() => void)[] = [];

  private constructor(readonly response: Response) {
    this.finished = this.read();
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    const client = new SseClient(res);
    client.abort.signal.addEventListener('abort', () => abort.abort());
    return client;
  }

  /** Resolves with the first event (already received or to come) that matches; fails if the stream ends first. */
  next(match: (e: SseEvent) => boolean, what: string): Promise<SseEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve };
      this.waiters.push(waiter);
      this.endWaiters.push(() =>
        reject(new Error(`stream ended before ${what}; got ${JSON.stringify(this.events.map((e) => e.event))}`)),
      );
    });
  }

  /** Resolves when the server ends the stream. */
  async closedByServer(): Promise<void> {
    await this.finished;
  }

  close(): void {
    this.abort.abort();
  }

  private async read(): Promise<void> {
    if (!this.response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of this.response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
      for (const fail of this.endWaiters) fail();
    }
  }

  private parse(block: string): void {
    const event: Partial<SseEvent> & { lines: string[] } = { lines: [] };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event.event = line.slice(7);
      else if (line.startsWith('id: ')) event.id = line.slice(4);
      else if (line.startsWith('data: ')) event.lines.push(line.slice(6));
    }
    if (!event.event) return; // a comment or a `retry:` line
    const parsed: SseEvent = { event: event.event, id: event.id, data: JSON.parse(event.lines.join('\n')) };
    this.events.push(parsed);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(parsed)) return true;
      w.resolve(parsed);
      return false;
    });
  }
}
