import { randomBytes } from 'node:crypto';
import { EntityManager } from '@mikro-orm/core';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  NotFoundException,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import { isUuid } from '@datafactory/contracts';
import { Project, SettingsStore, Webhook, WebhookDelivery } from '@datafactory/persistence';
import { ApiError, ApiErrors, ApiTokenRequired } from '../common/api-responses.js';
import { PageQueryDto } from '../common/paging.dto.js';
import {
  CreatedWebhookResponseDto,
  CreateWebhookRequestDto,
  WebhookDeliveryPageResponseDto,
  WebhookListResponseDto,
  type WebhookResponseDto,
} from './webhooks.dto.js';

/** A project has at most this many webhooks. */
export const MAX_WEBHOOKS_PER_PROJECT = 20;
const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');

@Injectable()
export class WebhooksService {
  constructor(
    private readonly em: EntityManager,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: SettingsStore,
  ) {}

  async create(projectId: string, body: CreateWebhookRequestDto): Promise<CreatedWebhookResponseDto> {
    const em = this.em.fork();
    await this.project(em, projectId);
    const url = checkUrl(body.url);
    if ((await em.count(Webhook, { project: projectId })) >= MAX_WEBHOOKS_PER_PROJECT) {
      throw new BadRequestException(`a project has at most ${MAX_WEBHOOKS_PER_PROJECT} webhooks`);
    }
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const hook = em.create(Webhook, {
      project: em.getReference(Project, projectId),
      url,
      events: [...body.events],
      secretSealed: await this.settings.sealSecret(secret),
    });
    await em.flush();
    return { ...toResponse(hook, projectId), secret };
  }

  async list(projectId: string): Promise<WebhookListResponseDto> {
    const em = this.em.fork();
    await this.project(em, projectId);
    const hooks = await em.find(Webhook, { project: projectId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    return { items: hooks.map((h) => toResponse(h, projectId)) };
  }

  async remove(projectId: string, hookId: string): Promise<void> {
    const em = this.em.fork();
    const hook = await this.hook(em, projectId, hookId);
    await em.remove(hook).flush();
  }

  async deliveries(projectId: string, hookId: string, query: PageQueryDto): Promise<WebhookDeliveryPageResponseDto> {
    const em = this.em.fork();
    await this.hook(em, projectId, hookId);
    const [rows, total] = await em.findAndCount(
      WebhookDelivery,
      { webhook: hookId },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: query.pageSize, offset: (query.page - 1) * query.pageSize },
    );
    return {
      items: rows.map((d) => ({
        id: d.id,
        event: d.event,
        state: d.state,
        attempts: d.attempts,
        error: d.error ?? null,
        payload: JSON.parse(d.payload) as Record<string, unknown>,
        createdAt: d.createdAt.toISOString(),
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
      })),
      total,
      page: query.page,
      pageSize: query.pageSize,
    };
  }

  private async project(em: EntityManager, id: string): Promise<void> {
    if (!isUuid(id) || !(await em.count(Project, { id }))) throw new NotFoundException(`project ${id} not found`);
  }

  private async hook(em: EntityManager, projectId: string, hookId: string): Promise<Webhook> {
    await this.project(em, projectId);
    const hook = isUuid(hookId) ? await em.findOne(Webhook, { id: hookId, project: projectId }) : null;
    if (!hook) throw new NotFoundException(`webhook ${hookId} not found in project ${projectId}`);
    return hook;
  }
}

/** http(s), no credentials in it: the URL as it will be called. */
function checkUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestException('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BadRequestException(`url must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  }
  if (url.username || url.password) throw new BadRequestException('url must not carry a user name or password');
  url.hash = '';
  return url.toString();
}

function toResponse(h: Webhook, projectId: string): WebhookResponseDto {
  return { id: h.id, projectId, url: h.url, events: h.events, createdAt: h.createdAt.toISOString() };
}

@ApiTags('webhooks')
@ApiTokenRequired()
@ApiErrors(400, 429)
@ApiError(404, 'No such project (or webhook).')
@Controller('api/projects/:id/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary: "Register a URL for the project's events (job.completed, job.failed, export.created)",
    description:
      'The worker POSTs a JSON body signed with HMAC-SHA256 (`X-DataFactory-Signature: t=<unix seconds>,v1=<hex>`' +
      ' over `<t>.<body>`), retries with backoff on no answer or a non-2xx answer (5 attempts), and keeps every ' +
      'attempt (`GET .../deliveries`). The secret is in this response only.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookResponseDto })
  @ApiErrors(413)
  create(@Param('id') id: string, @Body() body: CreateWebhookRequestDto): Promise<CreatedWebhookResponseDto> {
    return this.webhooks.create(id, body);
  }

  @Get()
  @ApiOperation({ summary: "The project's webhooks (without their secrets)" })
  @ApiOkResponse({ type: WebhookListResponseDto })
  list(@Param('id') id: string): Promise<WebhookListResponseDto> {
    return this.webhooks.list(id);
  }

  @Delete(':hookId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a webhook and its delivery history' })
  @ApiNoContentResponse({ description: 'Removed; no body.' })
  remove(@Param('id') id: string, @Param('hookId') hookId: string): Promise<void> {
    return this.webhooks.remove(id, hookId);
  }

  @Get(':hookId/deliveries')
  @ApiOperation({ summary: "A webhook's deliveries, newest first, each with every attempt" })
  @ApiOkResponse({ type: WebhookDeliveryPageResponseDto })
  deliveries(
    @Param('id') id: string,
    @Param('hookId') hookId: string,
    @Query() query: PageQueryDto,
  ): Promise<WebhookDeliveryPageResponseDto> {
    return this.webhooks.deliveries(id, hookId, query);
  }
}

@Module({
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    {
      provide: WEBHOOK_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new SettingsStore({ dataDir: config.dataDir }),
    },
  ],
})
export class WebhooksModule {}
