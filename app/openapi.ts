import { z } from 'zod';
import { openAccountBody, accountSchema, pageQuery, accountParams } from './accounts/schemas';
import {
  legacyTransferBody,
  transactionParams,
  transactionsQuery,
  transferBody,
  transferHeaders,
} from './transfers/schemas';
import { ERRORS } from './errors';

/** One documented operation; request parts are the same zod schemas the routes validate with. */
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

const BUSINESS: Operation[] = [
  {
    method: 'get',
    path: '/api/balance',
    summary: 'Balance of the default account ACC-001',
    tag: 'accounts',
    response: accountSchema,
  },
  { method: 'get', path: '/api/accounts', summary: 'List accounts', tag: 'accounts', query: pageQuery },
  {
    method: 'get',
    path: '/api/accounts/{number}',
    summary: 'Get one account',
    tag: 'accounts',
    params: accountParams,
    response: accountSchema,
  },
  {
    method: 'post',
    path: '/api/accounts',
    summary: 'Open an account',
    tag: 'accounts',
    body: openAccountBody,
    response: accountSchema,
    status: 201,
  },
  {
    method: 'post',
    path: '/api/transfers',
    summary: 'Transfer money between two accounts (idempotent with Idempotency-Key)',
    tag: 'transfers',
    body: transferBody,
    headers: transferHeaders,
    status: 201,
  },
  {
    method: 'post',
    path: '/api/transfer',
    summary: 'Workshop transfer from ACC-001 (legacy shape)',
    tag: 'transfers',
    body: legacyTransferBody,
    headers: transferHeaders,
  },
  {
    method: 'get',
    path: '/api/transactions',
    summary: 'List transactions, newest first',
    tag: 'transfers',
    query: transactionsQuery,
  },
  {
    method: 'get',
    path: '/api/transactions/{id}',
    summary: 'Get one transaction with its ledger entries',
    tag: 'transfers',
    params: transactionParams,
  },
  { method: 'get', path: '/health', summary: 'Database health (workshop shape)', tag: 'health' },
  {
    method: 'get',
    path: '/healthz',
    summary: 'Detailed health: database, event loop, memory, disk, uptime',
    tag: 'health',
  },
  { method: 'get', path: '/livez', summary: 'Liveness (no database)', tag: 'health' },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (OpenMetrics on request, with exemplars when traces are exported)',
    tag: 'health',
  },
];

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

/** Which service a document describes: its title, description and own operations. */
export interface ApiDescription {
  title: string;
  description: string;
  operations: Operation[];
}

const FINTECH_API: ApiDescription = {
  title: 'Fintech Chaos Workshop API',
  description:
    'A small double-entry ledger API that can be made to fail on demand. Money is exact: amounts are decimals with at most 2 fraction digits.',
  operations: BUSINESS,
};

/** Builds the OpenAPI 3.1 document from the validation schemas (plus any extra operations, e.g. the fault API). */
export function buildOpenApi(
  version: string,
  extra: Operation[] = [],
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
  for (const op of [...service.operations, ...extra]) {
    const body = op.body && jsonSchema(op.body);
    const response = op.response && jsonSchema(op.response);
    for (const part of [body, response]) Object.assign(components, (part?.$defs as Record<string, unknown>) ?? {});
    const strip = (s: Record<string, unknown> | undefined) =>
      s && Object.fromEntries(Object.entries(s).filter(([k]) => k !== '$defs'));
    (paths[op.path] ??= {})[op.method] = {
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
