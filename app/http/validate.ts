import type { z } from 'zod';
import { validationError, type FieldProblem } from '../errors';

/** Lists every problem zod found, with a dotted path ("body.amount") per problem. */
export function problemsOf(error: z.ZodError, prefix: string): FieldProblem[] {
  return error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => ({
      path: [prefix, ...issue.path.map(String), ...(key === undefined ? [] : [key])].filter(Boolean).join('.'),
      message: issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message,
    }));
  });
}

type Parts = Record<string, readonly [z.ZodType, unknown]>;
type Parsed<P extends Parts> = { [K in keyof P]: z.output<P[K][0]> };

/**
 * Parses several parts of a request (body, query, params, headers) and throws one
 * VALIDATION_FAILED that lists every problem in every part, or returns all parsed values.
 */
export function parseRequest<P extends Parts>(parts: P): Parsed<P> {
  const problems: FieldProblem[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, [schema, input]] of Object.entries(parts)) {
    const result = schema.safeParse(input);
    if (result.success) out[name] = result.data;
    else problems.push(...problemsOf(result.error, name));
  }
  if (problems.length > 0) throw validationError(problems);
  return out as Parsed<P>;
}
