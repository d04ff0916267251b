import { EntityManager } from '@mikro-orm/core';
import { Injectable, NotFoundException } from '@nestjs/common';
import { isUuid } from '@datafactory/contracts';
import { Project } from '@datafactory/persistence';
import type {
  CreateProjectRequestDto,
  ProjectPageResponseDto,
  ProjectResponseDto,
  UpdateProjectRequestDto,
} from './project.dto.js';

@Injectable()
export class ProjectsService {
  constructor(private readonly em: EntityManager) {}

  async create(dto: CreateProjectRequestDto): Promise<ProjectResponseDto> {
    const project = this.em.create(Project, {
      name: dto.name.trim(),
      description: dto.description ?? null,
      config: dto.config ?? {},
    });
    await this.em.flush();
    return toResponse(project);
  }

  async list(page: number, pageSize: number): Promise<ProjectPageResponseDto> {
    const [items, total] = await this.em.findAndCount(
      Project,
      {},
      { orderBy: { createdAt: 'desc', id: 'asc' }, limit: pageSize, offset: (page - 1) * pageSize },
    );
    return { items: items.map(toResponse), total, page, pageSize };
  }

  async get(id: string): Promise<ProjectResponseDto> {
    return toResponse(await this.find(id));
  }

  async update(id: string, dto: UpdateProjectRequestDto): Promise<ProjectResponseDto> {
    const project = await this.find(id);
    if (dto.name !== undefined) project.name = dto.name.trim();
    if (dto.description !== undefined) project.description = dto.description;
    if (dto.config !== undefined) project.config = dto.config;
    project.updatedAt = new Date();
    await this.em.flush();
    return toResponse(project);
  }

  async remove(id: string): Promise<void> {
    const project = await this.find(id);
    await this.em.remove(project).flush();
  }

  private async find(id: string): Promise<Project> {
    const project = isUuid(id) ? await this.em.findOne(Project, { id }) : null;
    if (!project) throw new NotFoundException(`project ${id} not found`);
    return project;
  }
}

function toResponse(p: Project): ProjectResponseDto {
  return {
    id: p.id,
    name: p.name,
    description: p.description ?? null,
    config: (p.config ?? {}) as Record<string, unknown>,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
