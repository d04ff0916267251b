import 'reflect-metadata';
import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { CreateProjectRequestDto } from '../projects/project.dto.js';
import { createValidationPipe } from './validation.js';

const validate = (value: unknown) =>
  createValidationPipe().transform(value, { type: 'body', metatype: CreateProjectRequestDto });

async function messages(value: unknown): Promise<string[]> {
  try {
    await validate(value);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestException);
    return ((e as BadRequestException).getResponse() as { message: string[] }).message;
  }
  return [];
}

describe('the global validation pipe', () => {
  it('accepts a valid body and returns a DTO instance', async () => {
    const dto = await validate({ name: 'Docs', config: { a: 1 } });
    expect(dto).toBeInstanceOf(CreateProjectRequestDto);
    expect(dto).toEqual({ name: 'Docs', config: { a: 1 } });
  });

  it('names the missing field', async () => {
    const m = await messages({});
    expect(m.length).toBeGreaterThan(0);
    expect(m.every((x) => x.startsWith('name '))).toBe(true);
  });

  it('names every unknown field', async () => {
    expect(await messages({ name: 'x', colour: 'red', size: 3 })).toEqual([
      'property colour should not exist',
      'property size should not exist',
    ]);
  });

  it('reports one message per problem across fields', async () => {
    const m = await messages({ name: '', description: 5, config: [] });
    expect(m).toContain('name should not be empty');
    expect(m).toContain('description must be a string');
    expect(m).toContain('config must be an object');
  });
});
