/**
 * A JSON parser for untrusted report bodies that refuses what JSON.parse quietly accepts: a key twice
 * in one object (JSON.parse keeps the last, so a validator and a later reader could see different
 * values), nesting deeper than a report ever needs, and number literals long enough to mean nothing
 * but trouble. One pass over the text, each character looked at once: linear in the body, no regular
 * expression. Objects are made without a prototype, so `__proto__` is an ordinary (and then unknown)
 * key, never a setter.
 */

export class StrictJsonError extends Error {
  override name = 'StrictJsonError';
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StrictJsonLimits {
  /** Containers inside containers; a report batch needs 3. */
  maxDepth: number;
  /** Characters in one number literal. */
  maxNumberChars: number;
}

const DEFAULT_LIMITS: StrictJsonLimits = { maxDepth: 8, maxNumberChars: 24 };

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

export function parseStrictJson(text: string, limits: StrictJsonLimits = DEFAULT_LIMITS): JsonValue {
  let i = 0;
  const fail = (why: string): never => {
    // The position, never the text: an error must not echo what the client sent.
    throw new StrictJsonError(`${why} at character ${i}`);
  };
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const parseString = (): string => {
    i++; // opening quote
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(runStart, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (hex.length !== 4 || !/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default:
          fail('bad escape');
      }
      runStart = i;
    }
  };

  const parseNumber = (): number => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else fail('bad number');
    if (text[i] === '.') {
      i++;
      if (!isDigit(text.charCodeAt(i))) fail('bad number');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!isDigit(text.charCodeAt(i))) fail('bad number');
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (i - start > limits.maxNumberChars) fail('number too long');
    const n = Number(text.slice(start, i));
    if (!Number.isFinite(n)) fail('number out of range');
    return n;
  };

  const literal = (word: string, value: JsonValue): JsonValue => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return value;
    }
    return fail('unexpected token');
  };

  const parseValue = (depth: number): JsonValue => {
    skipSpace();
    const c = text[i];
    if (c === '{') return parseObject(depth + 1);
    if (c === '[') return parseArray(depth + 1);
    if (c === '"') return parseString();
    if (c === 't') return literal('true', true);
    if (c === 'f') return literal('false', false);
    if (c === 'n') return literal('null', null);
    if (c === '-' || isDigit(text.charCodeAt(i))) return parseNumber();
    return fail(i >= text.length ? 'unexpected end' : 'unexpected token');
  };

  const parseArray = (depth: number): JsonValue[] => {
    if (depth > limits.maxDepth) fail('nested too deep');
    i++;
    const out: JsonValue[] = [];
    skipSpace();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      out.push(parseValue(depth));
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] === ']') {
        i++;
        return out;
      } else fail('expected , or ]');
    }
  };

  const parseObject = (depth: number): { [key: string]: JsonValue } => {
    if (depth > limits.maxDepth) fail('nested too deep');
    i++;
    const out = Object.create(null) as { [key: string]: JsonValue };
    skipSpace();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') fail('expected a key');
      const key = parseString();
      // A prototype-less object: `in` sees own keys only, in O(1).
      if (key in out) fail('duplicate key');
      skipSpace();
      if (text[i] !== ':') fail('expected :');
      i++;
      out[key] = parseValue(depth);
      skipSpace();
      if (text[i] === ',') i++;
      else if (text[i] === '}') {
        i++;
        return out;
      } else fail('expected , or }');
    }
  };

  // A leading byte-order mark is not JSON (RFC 8259 §8.1 lets a parser refuse it); refuse it.
  const value = parseValue(0);
  skipSpace();
  if (i !== text.length) fail('trailing characters');
  return value;
}
