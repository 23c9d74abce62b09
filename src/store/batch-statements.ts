import { CompiledQuery, type Compilable, type Kysely } from 'kysely';

/** More distinct statements than a store writes (a table, its columns, a row count). */
const CAPACITY = 128;

/** A shape's SQL and how many parameters it takes. */
interface Text {
  sql: string;
  parameters: number;
}

/**
 * Kysely builds and compiles a statement node by node: for 500 rows of a dozen values that costs more
 * than the database takes to run it, and for the one-row statements of the write path (an insert, an
 * update of the columns an action changed, an audit event) it costs about as much as running them. A
 * statement's SQL is compiled once per shape (`key`: the table, the columns, the row count) and run again
 * with the next call's parameters, given in the order that compiling produced. The first compile checks
 * that order: a shape whose parameters come otherwise is compiled every time. Kysely leaves out a column
 * whose value is undefined, so a call with an undefined parameter is compiled too.
 */
export class BatchStatements {
  /** SQL by shape; null for a shape that must be compiled each time. */
  private readonly texts = new Map<string, Text | null>();

  async run<DB, R>(
    db: Kysely<DB>,
    key: string,
    parameters: readonly unknown[],
    build: () => Compilable<R>,
  ): Promise<R[]> {
    if (parameters.includes(undefined)) return (await db.executeQuery(build().compile())).rows;
    const text = this.texts.get(key);
    if (text && text.parameters === parameters.length)
      return (await db.executeQuery<R>(CompiledQuery.raw(text.sql, [...parameters]))).rows;
    const compiled = build().compile();
    const inOrder =
      compiled.parameters.length === parameters.length &&
      compiled.parameters.every((p, i) => p === parameters[i]);
    if (text === undefined) {
      this.texts.set(key, inOrder ? { sql: compiled.sql, parameters: parameters.length } : null);
      const oldest = this.texts.keys().next();
      if (this.texts.size > CAPACITY && !oldest.done) this.texts.delete(oldest.value);
    }
    return (await db.executeQuery(compiled)).rows;
  }
}
