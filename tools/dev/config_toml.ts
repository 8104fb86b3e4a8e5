/**
 * Reads `supabase/config.toml` the way the dev server needs it: a small TOML parser for the subset the
 * Supabase CLI's template uses (tables, dotted and quoted keys, strings, numbers, booleans, arrays and
 * inline tables; dates are not supported), and the `[functions.<name>]` settings read from it.
 *
 * @module
 */

/** A TOML value as this reader returns it. */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;

/** A TOML table: keys to values. */
export interface TomlTable {
  [key: string]: TomlValue;
}

/** A TOML document this reader cannot read; the message names the line. */
export class TomlError extends Error {
  constructor(message: string, readonly line: number) {
    super(`Cannot read TOML at line ${line}: ${message}`);
    this.name = "TomlError";
  }
}

const BARE_KEY = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

class Parser {
  private pos = 0;
  private readonly root: TomlTable = {};
  /** Tables declared with a [header] (redeclaring one is an error in TOML). */
  private readonly declared = new Set<TomlTable>();

  constructor(private readonly text: string) {}

  parse(): TomlTable {
    let current = this.root;
    for (;;) {
      this.skipBlankLines();
      if (this.pos >= this.text.length) return this.root;
      if (this.peek() === "[") {
        current = this.header();
      } else {
        this.keyValue(current);
      }
      this.endOfLine();
    }
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new TomlError(message, line);
  }

  private peek(offset = 0): string {
    return this.text[this.pos + offset] ?? "";
  }

  private startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }

  private skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.pos++;
  }

  private skipComment(): void {
    if (this.peek() !== "#") return;
    while (this.pos < this.text.length && this.peek() !== "\n") this.pos++;
  }

  /** Whitespace, newlines and comments between statements or inside arrays. */
  private skipBlankLines(): void {
    for (;;) {
      this.skipSpaces();
      this.skipComment();
      if (this.peek() === "\n") this.pos++;
      else if (this.startsWith("\r\n")) this.pos += 2;
      else return;
    }
  }

  private endOfLine(): void {
    this.skipSpaces();
    this.skipComment();
    if (this.pos >= this.text.length) return;
    if (this.peek() === "\n") this.pos++;
    else if (this.startsWith("\r\n")) this.pos += 2;
    else this.fail(`unexpected "${this.peek()}" after a value`);
  }

  private header(): TomlTable {
    const isArray = this.startsWith("[[");
    this.pos += isArray ? 2 : 1;
    this.skipSpaces();
    const path = this.dottedKey();
    this.skipSpaces();
    if (!this.startsWith(isArray ? "]]" : "]")) this.fail("unterminated table header");
    this.pos += isArray ? 2 : 1;

    let table = this.root;
    for (const key of path.slice(0, -1)) {
      const next = table[key];
      if (next === undefined) table = table[key] = {};
      else if (isTable(next)) table = next;
      else if (Array.isArray(next) && isTable(next.at(-1))) table = next.at(-1) as TomlTable;
      else this.fail(`key "${key}" is not a table`);
    }
    const last = path[path.length - 1];
    if (isArray) {
      const list = table[last] ??= [];
      if (!Array.isArray(list)) this.fail(`key "${last}" is not an array of tables`);
      const entry: TomlTable = {};
      list.push(entry);
      return entry;
    }
    const existing = table[last];
    if (existing !== undefined && !isTable(existing)) this.fail(`key "${last}" is not a table`);
    const target = existing ?? (table[last] = {});
    if (this.declared.has(target)) this.fail(`table [${path.join(".")}] is defined twice`);
    this.declared.add(target);
    return target;
  }

  private dottedKey(): string[] {
    const keys = [this.simpleKey()];
    for (;;) {
      this.skipSpaces();
      if (this.peek() !== ".") return keys;
      this.pos++;
      this.skipSpaces();
      keys.push(this.simpleKey());
    }
  }

  private simpleKey(): string {
    const ch = this.peek();
    if (ch === '"') return this.basicString();
    if (ch === "'") return this.literalString();
    const start = this.pos;
    while (BARE_KEY.test(this.peek())) this.pos++;
    if (this.pos === start) this.fail(ch ? `unexpected "${ch}" where a key belongs` : "missing key");
    return this.text.slice(start, this.pos);
  }

  private keyValue(table: TomlTable): void {
    const path = this.dottedKey();
    this.skipSpaces();
    if (this.peek() !== "=") this.fail(`expected "=" after key "${path.join(".")}"`);
    this.pos++;
    this.skipSpaces();
    const value = this.value();
    let target = table;
    for (const key of path.slice(0, -1)) {
      const next = target[key] ??= {};
      if (!isTable(next)) this.fail(`key "${key}" is not a table`);
      target = next;
    }
    const last = path[path.length - 1];
    if (last in target) this.fail(`key "${path.join(".")}" is defined twice`);
    target[last] = value;
  }

  private value(): TomlValue {
    const ch = this.peek();
    if (this.startsWith('"""')) return this.multilineBasicString();
    if (this.startsWith("'''")) return this.multilineLiteralString();
    if (ch === '"') return this.basicString();
    if (ch === "'") return this.literalString();
    if (ch === "[") return this.array();
    if (ch === "{") return this.inlineTable();
    if (this.startsWith("true")) return (this.pos += 4, true);
    if (this.startsWith("false")) return (this.pos += 5, false);
    return this.number();
  }

  private number(): number {
    const match =
      /^[+-]?(?:inf|nan|0x[0-9A-Fa-f_]+|0o[0-7_]+|0b[01_]+|[0-9_]+(?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)/
        .exec(this.text.slice(this.pos));
    if (!match) this.fail(`unsupported value starting with "${this.peek()}"`);
    const raw = match[0];
    const after = this.peek(raw.length);
    // A date or time (1979-05-27, 07:32:00) starts like a number; this reader does not support them.
    if (after === "-" || after === ":") this.fail("dates and times are not supported");
    this.pos += raw.length;
    const text = raw.replaceAll("_", "");
    const sign = text.startsWith("-") ? -1 : 1;
    const unsigned = text.replace(/^[+-]/, "");
    if (unsigned === "inf") return sign * Infinity;
    if (unsigned === "nan") return NaN;
    if (/^0[xob]/.test(unsigned)) return sign * Number(unsigned);
    return Number(text);
  }

  private basicString(): string {
    this.pos++;
    let out = "";
    for (;;) {
      const ch = this.peek();
      if (ch === "" || ch === "\n") this.fail("unterminated string");
      this.pos++;
      if (ch === '"') return out;
      out += ch === "\\" ? this.escape() : ch;
    }
  }

  private escape(): string {
    const ch = this.peek();
    this.pos++;
    if (ch in ESCAPES) return ESCAPES[ch];
    if (ch === "u" || ch === "U") {
      const length = ch === "u" ? 4 : 8;
      const hex = this.text.slice(this.pos, this.pos + length);
      if (!new RegExp(`^[0-9A-Fa-f]{${length}}$`).test(hex)) this.fail("bad unicode escape");
      this.pos += length;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    this.fail(`unknown escape "\\${ch}"`);
  }

  private literalString(): string {
    this.pos++;
    const end = this.text.indexOf("'", this.pos);
    const newline = this.text.indexOf("\n", this.pos);
    if (end === -1 || (newline !== -1 && newline < end)) this.fail("unterminated string");
    const out = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  private multilineBasicString(): string {
    this.pos += 3;
    if (this.peek() === "\n") this.pos++;
    else if (this.startsWith("\r\n")) this.pos += 2;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated multi-line string");
      if (this.startsWith('"""')) {
        this.pos += 3;
        return out;
      }
      const ch = this.peek();
      this.pos++;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      // A backslash at the end of a line trims the newline and the whitespace after it.
      if (/^[ \t]*\r?\n/.test(this.text.slice(this.pos))) {
        while (/\s/.test(this.peek())) this.pos++;
      } else {
        out += this.escape();
      }
    }
  }

  private multilineLiteralString(): string {
    this.pos += 3;
    if (this.peek() === "\n") this.pos++;
    else if (this.startsWith("\r\n")) this.pos += 2;
    const end = this.text.indexOf("'''", this.pos);
    if (end === -1) this.fail("unterminated multi-line string");
    const out = this.text.slice(this.pos, end);
    this.pos = end + 3;
    return out;
  }

  private array(): TomlValue[] {
    this.pos++;
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlankLines();
      if (this.peek() === "]") {
        this.pos++;
        return items;
      }
      items.push(this.value());
      this.skipBlankLines();
      if (this.peek() === ",") this.pos++;
      else if (this.peek() !== "]") this.fail('expected "," or "]" in an array');
    }
  }

  private inlineTable(): TomlTable {
    this.pos++;
    const table: TomlTable = {};
    this.skipSpaces();
    if (this.peek() === "}") {
      this.pos++;
      return table;
    }
    for (;;) {
      this.skipSpaces();
      this.keyValue(table);
      this.skipSpaces();
      if (this.peek() === "}") {
        this.pos++;
        return table;
      }
      if (this.peek() !== ",") this.fail('expected "," or "}" in an inline table');
      this.pos++;
    }
  }
}

/**
 * Parses a TOML document (the subset described in this module's comment).
 *
 * @throws {TomlError} naming the line it could not read
 */
export function parseToml(text: string): TomlTable {
  return new Parser(text).parse();
}

/** What the dev server needs to know of one `[functions.<name>]` table. */
export interface FunctionConfig {
  /** `enabled`; the Supabase CLI's default is true. */
  enabled: boolean;
  /** `verify_jwt`; the Supabase CLI's default is true. */
  verifyJwt: boolean;
  /** `entrypoint`, relative to the `supabase/` folder, when given. */
  entrypoint?: string;
  /** `import_map`, relative to the `supabase/` folder, when given. */
  importMap?: string;
}

function optionalBoolean(table: TomlTable, key: string, name: string, fallback: boolean): boolean {
  const value = table[key];
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new Error(`Function ${name}: ${key} must be true or false`);
  return value;
}

function optionalString(table: TomlTable, key: string, name: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`Function ${name}: ${key} must be a string`);
  return value;
}

/**
 * Reads the `[functions.<name>]` tables of a Supabase `config.toml`, with the CLI's defaults for what a
 * table leaves out.
 *
 * @throws {TomlError} when the document is not readable TOML
 * @throws {Error} when a setting has the wrong type
 */
export function readFunctionsConfig(configToml: string): Record<string, FunctionConfig> {
  const functions = parseToml(configToml).functions;
  if (functions === undefined) return {};
  if (!isTable(functions)) throw new Error("functions in config.toml must be a table");
  const out: Record<string, FunctionConfig> = {};
  for (const [name, settings] of Object.entries(functions)) {
    if (!isTable(settings)) throw new Error(`Function ${name}: [functions.${name}] must be a table`);
    out[name] = {
      enabled: optionalBoolean(settings, "enabled", name, true),
      verifyJwt: optionalBoolean(settings, "verify_jwt", name, true),
      entrypoint: optionalString(settings, "entrypoint", name),
      importMap: optionalString(settings, "import_map", name),
    };
  }
  return out;
}
