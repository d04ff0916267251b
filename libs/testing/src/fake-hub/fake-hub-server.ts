import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The Hub calls the fake answers, by the name a test uses to make one fail. */
export type HubCall = 'create' | 'preupload' | 'batch' | 'lfs_upload' | 'commit';

export interface HubRequest {
  call: HubCall | 'unknown';
  method: string;
  path: string;
  /** The bearer token sent, if any (a test checks it went where it should, and only there). */
  token: string | null;
  /** JSON bodies parsed; the commit's NDJSON as its lines; LFS uploads as their size. */
  body: unknown;
}

export interface HubCommit {
  oid: string;
  summary: string;
  description: string;
  /** The NDJSON lines the client sent, parsed: `{key: "header" | "file" | "lfsFile" | "deletedFile", value}`. */
  lines: { key: string; value: Record<string, unknown> }[];
}

export interface HubRepo {
  id: string;
  name: string;
  private: boolean;
  /** The files at the head of main. */
  files: Map<string, Buffer>;
  /** Paths committed as LFS pointers (their content was uploaded through the LFS batch). */
  lfsPaths: Set<string>;
  commits: HubCommit[];
}

export interface FakeHubOptions {
  /** Tokens the fake accepts (default: `hf_fake_write_token`). */
  tokens?: string[];
  /** Files at least this large are LFS uploads (default 10 MiB, the Hub's limit for regular files). */
  lfsThreshold?: number;
}

/** Extensions the Hub's default .gitattributes of a dataset stores in LFS (a subset). */
const LFS_EXTENSIONS = ['.parquet', '.arrow', '.gz', '.zip', '.zst', '.bin', '.npy', '.pkl'];

/**
 * A local stand-in for the Hugging Face Hub speaking its HTTP API for the
 * calls @huggingface/hub makes to publish a dataset: `POST /api/repos/create`,
 * `POST /api/datasets/{repo}/preupload/{rev}`, the Git LFS batch API
 * (`POST /datasets/{repo}.git/info/lfs/objects/batch`, "basic" transfer: the
 * fake offers no Xet, so the client falls back to a plain PUT of each object,
 * whose sha256 and size are checked), and `POST /api/datasets/{repo}/commit/{rev}`
 * (NDJSON: a header, then `file` entries with base64 content and `lfsFile`
 * entries naming uploaded objects). Errors are answered as the Hub does
 * (JSON `{"error": ...}`): 401 for a missing or unknown token, 409 when the
 * repository exists, 404 for an unknown repository; `failNext` makes a call
 * answer a status of the test's choosing.
 */
export class FakeHubServer {
  readonly requests: HubRequest[] = [];
  readonly repos = new Map<string, HubRepo>();
  /** LFS objects uploaded, by sha256. */
  readonly lfsObjects = new Map<string, Buffer>();
  private readonly tokens: Set<string>;
  private readonly lfsThreshold: number;
  private readonly failures: { call: HubCall; status: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private port = 0;

  static readonly TOKEN = 'hf_fake_write_token';

  constructor(options: FakeHubOptions = {}) {
    this.tokens = new Set(options.tokens ?? [FakeHubServer.TOKEN]);
    this.lfsThreshold = options.lfsThreshold ?? 10 * 1024 * 1024;
  }

  /** What HF_ENDPOINT would be. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.error(res, 500, `fake hub: ${(e as Error).message}`);
        else res.destroy();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The next `call` answers `status` (a JSON error) instead of doing its work. */
  failNext(call: HubCall, status: number): this {
    this.failures.push({ call, status });
    return this;
  }

  /** A repository made beforehand (as if created earlier). */
  addRepo(name: string, options: { private?: boolean } = {}): HubRepo {
    const repo: HubRepo = {
      id: randomBytes(12).toString('hex'),
      name,
      private: options.private ?? false,
      files: new Map([['.gitattributes', Buffer.from('*.parquet filter=lfs diff=lfs merge=lfs -text\n')]]),
      lfsPaths: new Set(),
      commits: [],
    };
    this.repos.set(name, repo);
    return repo;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : null;
    const p = url.pathname;
    const route = this.route(req.method ?? 'GET', p);
    const raw = await readBody(req);
    const request: HubRequest = {
      call: route?.call ?? 'unknown',
      method: req.method ?? 'GET',
      path: p,
      token,
      body: bodyOf(route?.call, raw, req.headers['content-type']),
    };
    this.requests.push(request);
    if (!route) return this.error(res, 404, `fake hub: no route for ${req.method} ${p}`);
    const failure = this.failures.findIndex((f) => f.call === route.call);
    if (failure >= 0) {
      const { status } = this.failures.splice(failure, 1)[0]!;
      return this.error(res, status, status >= 500 ? 'Internal Error' : `fake hub: ${route.call} refused`);
    }
    // LFS object uploads go to the URL the batch answer gave (pre-signed on the real Hub): no token.
    if (route.call !== 'lfs_upload' && (token === null || !this.tokens.has(token))) {
      return this.error(res, 401, 'Invalid credentials in Authorization header');
    }
    switch (route.call) {
      case 'create':
        return this.create(res, request.body as Record<string, unknown>);
      case 'preupload':
        return this.preupload(res, route.repo!, request.body as PreuploadBody);
      case 'batch':
        return this.batch(res, route.repo!, request.body as BatchBody);
      case 'lfs_upload':
        return this.lfsUpload(res, route.oid!, raw);
      case 'commit':
        return this.commit(res, route.repo!, request.body as HubCommit['lines']);
    }
  }

  private route(method: string, p: string): { call: HubCall; repo?: string; oid?: string } | null {
    if (method === 'POST' && p === '/api/repos/create') return { call: 'create' };
    let m = /^\/api\/datasets\/([^/]+\/[^/]+)\/preupload\/[^/]+$/.exec(p);
    if (method === 'POST' && m) return { call: 'preupload', repo: m[1]! };
    m = /^\/api\/datasets\/([^/]+\/[^/]+)\/commit\/[^/]+$/.exec(p);
    if (method === 'POST' && m) return { call: 'commit', repo: m[1]! };
    m = /^\/datasets\/([^/]+\/[^/]+)\.git\/info\/lfs\/objects\/batch$/.exec(p);
    if (method === 'POST' && m) return { call: 'batch', repo: m[1]! };
    m = /^\/__lfs\/([0-9a-f]{64})$/.exec(p);
    if (method === 'PUT' && m) return { call: 'lfs_upload', oid: m[1]! };
    return null;
  }

  private create(res: ServerResponse, body: Record<string, unknown>): void {
    if (body.type !== 'dataset') return this.error(res, 400, 'fake hub: only dataset repositories');
    const name = `${String(body.organization)}/${String(body.name)}`;
    if (this.repos.has(name)) {
      return this.json(res, 409, {
        error: 'You already created this dataset repo',
        url: `${this.url}/datasets/${name}`,
      });
    }
    const repo = this.addRepo(name, { private: body.visibility === 'private' });
    this.json(res, 200, { url: `${this.url}/datasets/${name}`, name, id: repo.id });
  }

  private repo(res: ServerResponse, name: string): HubRepo | undefined {
    const repo = this.repos.get(name);
    if (!repo) this.error(res, 404, 'Repository not found');
    return repo;
  }

  private preupload(res: ServerResponse, name: string, body: PreuploadBody): void {
    if (!this.repo(res, name)) return;
    const files = body.files.map((f) => {
      const sample = Buffer.from(f.sample, 'base64');
      const binary = sample.includes(0);
      const lfs = binary || f.size >= this.lfsThreshold || LFS_EXTENSIONS.some((e) => f.path.endsWith(e));
      return { path: f.path, uploadMode: lfs ? 'lfs' : 'regular', shouldIgnore: false };
    });
    this.json(res, 200, { files, commitOid: this.repos.get(name)!.commits.at(-1)?.oid ?? null });
  }

  private batch(res: ServerResponse, name: string, body: BatchBody): void {
    if (!this.repo(res, name)) return;
    if (body.operation !== 'upload' || !body.transfers.includes('basic')) {
      return this.error(res, 422, 'fake hub: only "basic" uploads');
    }
    const objects = body.objects.map(({ oid, size }) =>
      this.lfsObjects.has(oid)
        ? { oid, size }
        : {
            oid,
            size,
            authenticated: true,
            actions: { upload: { href: `${this.url}/__lfs/${oid}`, expires_in: 900 } },
          },
    );
    res.writeHead(200, { 'Content-Type': 'application/vnd.git-lfs+json' });
    res.end(JSON.stringify({ transfer: 'basic', objects }));
  }

  private lfsUpload(res: ServerResponse, oid: string, content: Buffer): void {
    const sha = createHash('sha256').update(content).digest('hex');
    if (sha !== oid) return this.error(res, 400, `fake hub: content hashes to ${sha}, not ${oid}`);
    this.lfsObjects.set(oid, content);
    res.writeHead(200).end();
  }

  private commit(res: ServerResponse, name: string, lines: HubCommit['lines']): void {
    const repo = this.repo(res, name);
    if (!repo) return;
    const header = lines[0];
    if (header?.key !== 'header') return this.error(res, 400, 'fake hub: the first line must be the header');
    const files = new Map(repo.files);
    const lfsPaths = new Set(repo.lfsPaths);
    for (const { key, value } of lines.slice(1)) {
      const path = String(value.path);
      if (key === 'file') {
        if (value.encoding !== 'base64') return this.error(res, 400, 'fake hub: file content must be base64');
        files.set(path, Buffer.from(String(value.content), 'base64'));
        lfsPaths.delete(path);
      } else if (key === 'lfsFile') {
        const object = this.lfsObjects.get(String(value.oid));
        if (!object || object.length !== Number(value.size)) {
          return this.error(res, 422, `fake hub: LFS object of ${path} was not uploaded`);
        }
        files.set(path, object);
        lfsPaths.add(path);
      } else if (key === 'deletedFile') {
        files.delete(path);
      } else {
        return this.error(res, 400, `fake hub: unknown commit line "${key}"`);
      }
    }
    const oid = randomBytes(20).toString('hex');
    repo.files = files;
    repo.lfsPaths = lfsPaths;
    repo.commits.push({
      oid,
      summary: String(header.value.summary ?? ''),
      description: String(header.value.description ?? ''),
      lines,
    });
    this.json(res, 200, {
      success: true,
      commitOid: oid,
      commitUrl: `${this.url}/datasets/${name}/commit/${oid}`,
      hookOutput: '',
    });
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string): void {
    this.json(res, status, { error: message });
  }
}

interface PreuploadBody {
  files: { path: string; size: number; sample: string }[];
}

interface BatchBody {
  operation: string;
  transfers: string[];
  objects: { oid: string; size: number }[];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function bodyOf(call: HubCall | undefined, raw: Buffer, contentType: string | undefined): unknown {
  if (call === 'lfs_upload') return { bytes: raw.length };
  const text = raw.toString('utf8');
  if (!text) return null;
  if (call === 'commit' || contentType?.includes('ndjson')) {
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as unknown);
  }
  return JSON.parse(text) as unknown;
}
