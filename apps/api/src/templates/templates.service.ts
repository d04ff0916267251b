import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@datafactory/config';
import {
  type PromptTemplate,
  TEMPLATE_VARIABLES,
  TemplateError,
  TemplateRegistry,
  UnknownTemplateError,
} from '@datafactory/generator';
import type { TemplateDetailDto, TemplateListResponseDto, TemplateSummaryDto } from './template.dto.js';

@Injectable()
export class TemplatesService {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Read on each request, so that a template added to DATA_DIR/templates shows up without a restart. */
  private load(): Promise<TemplateRegistry> {
    return TemplateRegistry.load({ dataDir: this.config.dataDir });
  }

  async list(): Promise<TemplateListResponseDto> {
    const registry = await this.load();
    return {
      items: registry.list().map(summary),
      errors: registry.errors.map((e) => ({
        template: e.template,
        file: e.file,
        line: e.line ?? null,
        problem: e.problem,
      })),
    };
  }

  async get(type: string): Promise<TemplateDetailDto> {
    const registry = await this.load();
    let t: PromptTemplate;
    try {
      t = registry.get(type);
    } catch (e) {
      if (e instanceof UnknownTemplateError || e instanceof TemplateError) throw new NotFoundException(e.message);
      throw e;
    }
    return {
      ...summary(t),
      variables: t.variables.map((name) => ({
        name,
        description:
          TEMPLATE_VARIABLES[name.split('.').slice(0, 2).join('.')] ?? TEMPLATE_VARIABLES[name.split('.')[0]!] ?? '',
      })),
      systemPrompt: t.spec.system,
      userPrompt: t.spec.user,
      input: t.spec.input,
      output: t.spec.output,
    };
  }
}

function summary(t: PromptTemplate): TemplateSummaryDto {
  return {
    type: t.type,
    description: t.spec.description,
    source: t.source,
    hash: t.hash,
    examplesPerChunk: t.spec.examplesPerChunk,
    schema: t.spec.schema,
    sample: t.spec.sample ?? null,
  };
}
