import { z } from 'zod';
import { ERRORS } from './errors';

/** One operation (path in Express's form, /a/:id); request parts are the same zod schemas the routes validate with. */
export interface Operation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  headers?: z.ZodObject;
  response?: z.ZodType;
  status?: number;
}

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return JSON.parse(JSON.stringify(rest).replaceAll('#/$defs/', '#/components/schemas/')) as Record<string, unknown>;
}

function parameters(where: 'query' | 'path' | 'header', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name: where === 'header' ? name.replace(/(^|-)\w/g, (c) => c.toUpperCase()) : name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
    ...(typeof s.description === 'string' && { description: s.description }),
  }));
}

/** Express's "/a/:id" as OpenAPI's "/a/{id}". */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** Which service a document describes. */
export interface ApiDescription {
  title: string;
  description: string;
}

const FINTECH_API: ApiDescription = {
  title: 'Fintech Chaos Workshop API',
  description:
    'A small double-entry ledger API that can be made to fail on demand. Money is exact: amounts are decimals with at most 2 fraction digits.',
};

/** Builds the OpenAPI 3.1 document from the operations and their validation schemas. */
export function buildOpenApi(
  version: string,
  operations: readonly Operation[],
  service: ApiDescription = FINTECH_API,
): Record<string, unknown> {
  const components: Record<string, unknown> = {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string', enum: Object.keys(ERRORS) },
            message: { type: 'string' },
            details: { type: 'object' },
            request_id: { type: 'string' },
            trace_id: { type: 'string' },
          },
        },
      },
    },
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const body = op.body && jsonSchema(op.body);
    const response = op.response && jsonSchema(op.response);
    for (const part of [body, response]) Object.assign(components, (part?.$defs as Record<string, unknown>) ?? {});
    const strip = (s: Record<string, unknown> | undefined) =>
      s && Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$defs'));
    (paths[openApiPath(op.path)] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      parameters: [
        ...parameters('path', op.params),
        ...parameters('query', op.query),
        ...parameters('header', op.headers),
      ],
      ...(body && { requestBody: { required: true, content: { 'application/json': { schema: strip(body) } } } }),
      responses: {
        [String(op.status ?? 200)]: {
          description: 'Success',
          ...(response && { content: { 'application/json': { schema: strip(response) } } }),
        },
        default: {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: service.title, version, description: service.description },
    servers: [{ url: '/' }],
    paths,
    components: { schemas: components },
  };
}
