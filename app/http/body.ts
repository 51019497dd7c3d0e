import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { AppError, validationError, type FieldProblem } from '../errors';
import { DECIMAL_MESSAGE, DECIMAL_TEXT } from '../money';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
/** Numbers listed in one answer at most: a body full of them must not make the answer as large. */
const MAX_NUMBER_PROBLEMS = 20;

/**
 * Requests that carry a body must send JSON; the parser is strict (objects and arrays only, no duplicate keys)
 * and bounded, and every number must be written as an exact decimal (see inexactNumbers).
 */
export function jsonBody(limitKb: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
        details: { content_type: (req.get('content-type') ?? '').slice(0, 100) },
      });
    }
    next();
  };
  // Found on the raw text before parsing, reported after it, so malformed JSON still gets INVALID_JSON.
  const numberProblems = new WeakMap<IncomingMessage, FieldProblem[]>();
  const verify = (req: IncomingMessage, _res: unknown, raw: Buffer, encoding: string | null): void => {
    const problems = checkRawBody(raw, encoding);
    if (problems.length > 0) numberProblems.set(req, problems);
  };
  const rejectInexactNumbers: RequestHandler = (req, _res, next) => {
    const problems = numberProblems.get(req);
    if (problems) throw validationError(problems);
    next();
  };
  return [requireJson, express.json({ limit: `${limitKb}kb`, strict: true, verify }), rejectInexactNumbers];
}

/** Runs on the raw body before it is parsed: a key given twice is a 400 at once; inexact numbers are returned. */
function checkRawBody(raw: Buffer, encoding: string | null): FieldProblem[] {
  let text: string;
  try {
    text = new TextDecoder(encoding ?? 'utf-8').decode(raw);
  } catch {
    // A charset the check cannot read (utf-7, utf-32) is not accepted at all.
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', { details: { charset: String(encoding).slice(0, 40) } });
  }
  const { duplicateKey, inexactNumbers } = scanJson(text);
  if (duplicateKey !== undefined) {
    throw new AppError('INVALID_JSON', {
      message: 'The request body has a key twice in one object.',
      details: { duplicate_key: duplicateKey.slice(0, 100) },
    });
  }
  return inexactNumbers.map((path) => ({ path: ['body', ...path].join('.'), message: DECIMAL_MESSAGE }));
}

/** What scanJson finds in a JSON text. */
export interface JsonScan {
  /** The first key that appears twice in one object. */
  duplicateKey?: string;
  /** Paths (keys and array indexes) of the numbers whose text breaks DECIMAL_TEXT, at most MAX_NUMBER_PROBLEMS. */
  inexactNumbers: string[][];
}

/**
 * Reads a JSON text token by token for what JSON.parse hides. Duplicate keys: JSON.parse keeps the last
 * value without a word ({"amount":1,"amount":1000} is 1000), so whatever reads the first one (a proxy, a
 * WAF, a log) would see another request than the one acted on. Number texts: JSON.parse turns
 * 100.5000000000000001 into 100.5 and 1e2 into 100 before any schema sees them, so the one rule for
 * amounts (at most two fraction digits, no exponent) is applied here, to the text, for every number
 * (the others the API reads are integers, percentages and sizes, which need no more). Malformed text
 * may give any answer: the parser rejects it anyway. Iterative, so deep nesting cannot overflow the stack.
 */
export function scanJson(text: string): JsonScan {
  // One entry per open object (its keys and the current key) or array (the current index).
  const open: ({ keys: Set<string>; key: string } | { index: number })[] = [];
  const inexactNumbers: string[][] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    const top = open[open.length - 1];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (top && 'keys' in top && keyNext) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return { inexactNumbers };
        }
        if (top.keys.has(key)) return { duplicateKey: key, inexactNumbers };
        top.keys.add(key);
        top.key = key;
        keyNext = false;
      }
      i = end;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end] as string)) end += 1;
      if (!DECIMAL_TEXT.test(text.slice(i, end)) && inexactNumbers.length < MAX_NUMBER_PROBLEMS) {
        inexactNumbers.push(open.map((o) => ('keys' in o ? o.key : String(o.index))));
      }
      i = end - 1;
    } else if (c === '{') {
      open.push({ keys: new Set(), key: '' });
      keyNext = true;
    } else if (c === '[') {
      open.push({ index: 0 });
      keyNext = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      keyNext = false;
    } else if (c === ',') {
      if (top && 'index' in top) top.index += 1;
      keyNext = top !== undefined && 'keys' in top;
    }
  }
  return { inexactNumbers };
}
