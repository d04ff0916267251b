import { Inject } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { STAGES } from '@datafactory/contracts';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';

interface JobView {
  id: string;
  status: string;
  stage: string | null;
  progress?: Record<string, { total: number; done: number; failed: number }>;
  costTotal?: number;
  createdAt?: string;
  error?: string | null;
}
interface Page<T> {
  items: T[];
  total: number;
}

/** Talks to a running API (API_URL, default http://127.0.0.1:PORT). */
class ApiClient {
  constructor(private readonly base: string) {}

  async request<T>(method: string, path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, signal: AbortSignal.timeout(15_000) });
    } catch (e) {
      throw new Error(
        `cannot reach the API at ${this.base} (${(e as Error).message}); is it running? (npm start, or set API_URL)`,
        { cause: e },
      );
    }
    const text = await res.text();
    const body = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) throw new Error((body as { message?: string })?.message ?? `HTTP ${res.status}`);
    return body as T;
  }
}

function line(job: JobView): string {
  const p = job.progress;
  const counters = p
    ? STAGES.filter((s) => p[s]?.total)
        .map((s) => `${s} ${p[s]!.done}/${p[s]!.total}${p[s]!.failed ? ` (${p[s]!.failed} failed)` : ''}`)
        .join(', ')
    : '';
  const cost = job.costTotal !== undefined ? ` $${Number(job.costTotal).toFixed(4)}` : '';
  return `${job.id}  ${job.status.padEnd(9)} ${(job.stage ?? '-').padEnd(9)}${cost}  ${counters}`;
}

@SubCommand({ name: 'list', description: 'list jobs (newest first), of one project or of all' })
export class JobsListCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run(_args: string[], options: { project?: string; json?: boolean }): Promise<void> {
    const api = new ApiClient(this.config.apiUrl);
    const projects = options.project
      ? [options.project]
      : (await api.request<Page<{ id: string }>>('GET', '/api/projects?pageSize=200')).items.map((p) => p.id);
    const jobs: JobView[] = [];
    for (const id of projects) {
      jobs.push(...(await api.request<Page<JobView>>('GET', `/api/projects/${id}/jobs?pageSize=200`)).items);
    }
    jobs.sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
    if (options.json) console.log(JSON.stringify(jobs, null, 2));
    else console.log(jobs.length ? jobs.map(line).join('\n') : 'no jobs');
  }

  @Option({ flags: '--project <id>', description: 'only this project' })
  parseProject(value: string): string {
    return value;
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'show', arguments: '<id>', description: 'show one job: status, stage, counters, cost' })
export class JobsShowCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run([id]: string[], options: { json?: boolean }): Promise<void> {
    const job = await new ApiClient(this.config.apiUrl).request<JobView>('GET', `/api/jobs/${encodeURIComponent(id!)}`);
    if (options.json) console.log(JSON.stringify(job, null, 2));
    else console.log(`${line(job)}${job.error ? `\nerror: ${job.error}` : ''}`);
  }

  @Option({ flags: '--json', description: 'print JSON' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'cancel', arguments: '<id>', description: 'cancel a job; finished items are kept' })
export class JobsCancelCommand extends CommandRunner {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  async run([id]: string[]): Promise<void> {
    const job = await new ApiClient(this.config.apiUrl).request<JobView>(
      'POST',
      `/api/jobs/${encodeURIComponent(id!)}/cancel`,
    );
    console.log(line(job));
  }
}

@Command({
  name: 'jobs',
  description: 'jobs of a running API: list, show, cancel',
  subCommands: [JobsListCommand, JobsShowCommand, JobsCancelCommand],
})
export class JobsCommand extends CommandRunner {
  async run(): Promise<void> {
    console.log('usage: datafactory jobs list|show <id>|cancel <id>');
  }
}
