import express, { type RequestHandler } from 'express';
import { AppError } from '../errors';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Requests that carry a body must send JSON; the parser is strict (objects and arrays only, no duplicate keys) and bounded. */
export function jsonBody(limitKb: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (WITH_BODY.has(req.method) && hasBody && !req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', { details: { content_type: (req.get('content-type') ?? '').slice(0, 100) } });
    }
    next();
  };
  return [requireJson, express.json({ limit: `${limitKb}kb`, strict: true, verify: rejectDuplicateKeys })];
}

/** Runs on the raw body before it is parsed: a JSON object with a key given twice is a 400. */
function rejectDuplicateKeys(_req: unknown, _res: unknown, raw: Buffer, encoding: string | null): void {
  let text: string;
  try {
    text = new TextDecoder(encoding ?? 'utf-8').decode(raw);
  } catch {
    // A charset the check cannot read (utf-7, utf-32) is not accepted at all.
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', { details: { charset: String(encoding).slice(0, 40) } });
  }
  const key = findDuplicateKey(text);
  if (key !== undefined) {
    throw new AppError('INVALID_JSON', { message: 'The request body has a key twice in one object.', details: { duplicate_key: key.slice(0, 100) } });
  }
}

/**
 * The first key that appears twice in one object of a JSON text, or undefined. JSON.parse keeps the
 * last value without a word ({"amount":1,"amount":1000} is 1000), so whatever reads the first one (a
 * proxy, a WAF, a log) would see another request than the one acted on. Malformed text may give any
 * answer: the parser rejects it anyway. Iterative, so deep nesting cannot overflow the stack.
 */
export function findDuplicateKey(text: string): string | undefined {
  const open: (Set<string> | undefined)[] = []; // one entry per open object (its keys) or array (undefined)
  let keyNext = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open[open.length - 1];
      if (keys && keyNext) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, end + 1)) as string;
        } catch {
          return undefined;
        }
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    } else if (c === '{') {
      open.push(new Set());
      keyNext = true;
    } else if (c === '[') {
      open.push(undefined);
      keyNext = false;
    } else if (c === '}' || c === ']') {
      open.pop();
      keyNext = false;
    } else if (c === ',') {
      keyNext = open[open.length - 1] !== undefined;
    }
  }
  return undefined;
}
