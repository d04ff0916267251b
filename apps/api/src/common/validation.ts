import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

/**
 * The global ValidationPipe: unknown fields are rejected, payloads are turned
 * into DTO instances, and a 400 lists one message per bad field (nested
 * fields with their dotted path).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: (errors) => new BadRequestException({ message: flatten(errors) }),
  });
}

export function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const property = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((m) =>
      // class-validator writes "property x should not exist" for unknown fields; name the full path.
      parent && m.startsWith(`property ${error.property} `)
        ? m.replace(error.property, property)
        : m.replace(new RegExp(`^${error.property}\\b`), property),
    );
    return [...own, ...flatten(error.children ?? [], property)];
  });
}
