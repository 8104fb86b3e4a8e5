/**
 * Statements whose values are written into the SQL text as literals instead of bound as parameters. With
 * the functions' driver settings (`prepare: false`) postgres.js describes every statement that has
 * parameters before it binds them, a round trip of its own, and sends nothing after it on that connection
 * until it has answered; a statement without parameters goes out in one write with whatever follows it, so
 * a transaction of one such statement (`Db.asServiceOnce`) costs one round trip instead of three.
 *
 * Only the tag {@linkcode inlineSql} makes an {@linkcode InlineSql}: the SQL text is the code's template,
 * and every value becomes a literal through {@linkcode quoteLiteral} (strings, dates) or a checked number
 * or boolean, so no value can change the statement's meaning. Casts belong in the template
 * (`${id}::uuid`), as the values are typed by the text alone.
 *
 * @module
 */

/**
 * A value a template may carry: a scalar, a list of strings (an `array[…]` of literals), or a statement
 * made by the tag itself, inserted as it is (for optional conditions).
 */
export type InlineValue = string | number | boolean | Date | null | readonly string[] | InlineSql;

/** A statement made by {@linkcode inlineSql}: SQL text without parameters. */
export interface InlineSql {
  readonly text: string;
  readonly [inlineBrand]: true;
}

declare const inlineBrand: unique symbol;

/**
 * A string as an SQL literal: `E'…'` with backslashes and quotes escaped, so the result means the same
 * whatever `standard_conforming_strings` says. Postgres text cannot hold NUL: such a string throws.
 */
export function quoteLiteral(text: string): string {
  if (text.includes("\0")) throw new RangeError("An SQL literal cannot hold NUL");
  return `E'${text.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`;
}

/** One value as a literal (see the module doc). */
export function inlineLiteral(value: InlineValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return quoteLiteral(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new RangeError(`An SQL literal cannot hold ${value}`);
    // quoted, so a negative number stays one value whatever cast or operator follows it
    return `'${value}'`;
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? "'{}'" : `array[${value.map((v: string) => quoteLiteral(v)).join(", ")}]`;
  }
  if (isInlineSql(value)) return value.text;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("An SQL literal cannot hold an invalid date");
    return `'${value.toISOString()}'`;
  }
  throw new TypeError(`An SQL literal cannot hold a ${typeof value}`);
}

// what the tag made: only those are inserted as SQL into another template
const made = new WeakSet<object>();

function isInlineSql(value: unknown): value is InlineSql {
  return typeof value === "object" && value !== null && made.has(value);
}

/**
 * Column names as an SQL list (`a, b` or, with `qualifier`, `t.a, t.b`), for lists the code derives from
 * its own constants. A name that is not a plain lowercase identifier throws.
 */
export function inlineColumns(names: readonly string[], qualifier?: string): InlineSql {
  for (const name of [...names, ...(qualifier ? [qualifier] : [])]) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`Not a plain SQL identifier: ${name}`);
  }
  return mark(names.map((n) => (qualifier ? `${qualifier}.${n}` : n)).join(", "));
}

function mark(text: string): InlineSql {
  const statement = { text } as InlineSql;
  made.add(statement);
  return statement;
}

/** Tags a template as a parameterless statement: `inlineSql\`select f(${id}::uuid)\``. */
export function inlineSql(strings: TemplateStringsArray, ...values: InlineValue[]): InlineSql {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += inlineLiteral(values[i]) + strings[i + 1];
  return mark(text);
}
