import { type ArgumentMetadata, BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

/** How deep a request body may nest (a job config needs 3). Deeper bodies overflow class-transformer's stack. */
export const MAX_BODY_DEPTH = 32;

/**
 * Runs before the ValidationPipe on every body, query and route parameter, whatever its DTO: refuses a body
 * nested deeper than MAX_BODY_DEPTH and any string (or key) that no database stores as given, the NUL
 * character (SQLite: "unrecognized token", PostgreSQL: "invalid message format") and lone UTF-16
 * surrogates (silently replaced on the way to disk). A 400 names each field by its path.
 * The walk is iterative, so the input cannot overflow this pipe's stack either.
 */
@Injectable()
export class InputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problems = findProblems(value, metadata.data ?? '');
    if (problems.length) throw new BadRequestException({ message: problems });
    return value;
  }
}

export function findProblems(root: unknown, rootPath = ''): string[] {
  const problems: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: rootPath, depth: 0 }];
  while (stack.length && problems.length < 20) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) problems.push(`${path || 'the request body'} ${problem}`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      problems.push(`the request body is nested deeper than ${MAX_BODY_DEPTH} levels${path ? ` (at ${path})` : ''}`);
      break;
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [`${i}`, v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = path ? `${path}.${key}` : key;
      const keyProblem = stringProblem(key);
      if (keyProblem) problems.push(`the field name ${JSON.stringify(childPath)} ${keyProblem}`);
      else stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return problems.reverse();
}

/** With the u flag a surrogate pair is one code point, so only a lone surrogate is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

function stringProblem(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain the NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (it has a lone surrogate)';
  return undefined;
}
